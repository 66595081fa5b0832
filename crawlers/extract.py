"""One article page (bytes or text) -> title, body text, publish time, author.

With per-source `selectors` ({"title", "text", "time", "author"}: CSS, or XPath when the
expression starts with "/" or "(") those win. Otherwise our text-density finder picks the
body (trafilatura when it finds too little) and our own rules pick the title and the
publish time, because Chinese portals put the site name into <title> and the date into
a byline next to the headline. The parts live in crawlers.extraction; this module is the
public entry point.
Malformed or hostile HTML never raises: the result holds whatever could be found.
"""

from __future__ import annotations

import copy
import logging

from crawlers.extraction.article import Article
from crawlers.extraction.author import AUTHOR_META, author_from, byline_text
from crawlers.extraction.body import (
    MIN_DENSE_CHARS,
    clean_body,
    density_body,
    doc_attr,
    trafilatura_doc,
)
from crawlers.extraction.decoding import decode_html, detect_encoding
from crawlers.extraction.entries import find_entries, first_entry_text
from crawlers.extraction.html import meta, parse_tree, squash, visible_lines
from crawlers.extraction.published import from_htmldate, publish_time, wall_clock
from crawlers.extraction.selectors import with_selectors
from crawlers.extraction.title import clean_title, heading_above_body, pick_title

__all__ = ["Article", "extract_article", "clean_title", "decode_html", "detect_encoding"]

log = logging.getLogger(__name__)


def extract_article(
    html: str | bytes,
    url: str,
    encoding: str | None = None,
    selectors: dict[str, str] | None = None,
    timezone: str = "Asia/Shanghai",
) -> Article:
    """Extract one article. `encoding` overrides the page's declared charset;
    `selectors` (title/text/time/author) override the automatic choice field by field."""
    if html is None:
        return Article()
    text, _ = decode_html(html, encoding)
    article = Article()
    if selectors:
        article = with_selectors(text, selectors, timezone)
        if article.title and article.text and (article.published_at or not selectors.get("time")):
            return article
    auto = _automatic(text, url, timezone)
    # Fill only what the selectors did not give.
    timed = article if article.published_at else auto
    return Article(
        title=article.title or auto.title,
        text=article.text or auto.text,
        published_at=timed.published_at,
        author=article.author or auto.author,
        published_local=timed.published_local,
    )


def _automatic(text: str, url: str, timezone: str) -> Article:
    tree = parse_tree(text)
    if tree is None:
        doc = trafilatura_doc(text, url)
        return Article(title=squash(doc_attr(doc, "title") or ""),
                       text=clean_body(doc_attr(doc, "text") or ""))
    doc = None
    try:
        body = clean_body(density_body(copy.deepcopy(tree)))
    except Exception as exc:  # a best effort on broken trees
        log.debug("density extraction failed on %s: %s", url, exc)
        body = ""
    if len(body) < MIN_DENSE_CHARS:
        doc = trafilatura_doc(text, url)
        other = clean_body(doc_attr(doc, "text") or "")
        if len(other) > len(body):
            body = other
    lines = visible_lines(tree)
    try:
        title, confirmed = pick_title(tree)
        if not confirmed:
            title = heading_above_body(tree, lines, body, title) or title
    except Exception as exc:  # odd trees (comments as roots, ...) must not lose the body
        log.debug("title choice failed on %s: %s", url, exc)
        title = ""
    entries = find_entries(lines, body, timezone)
    published, local = publish_time(tree, lines, title, body, timezone, entries)
    if entries is not None:
        # the page stands for its first entry: its text goes with its date
        body = first_entry_text(lines, entries) or body
    if published is None:
        doc = doc if doc is not None else trafilatura_doc(text, url)
        published = from_htmldate(doc_attr(doc, "date"), timezone)
        local = wall_clock(published, doc_attr(doc, "date"), timezone)
    if not title and doc is not None:
        title = squash(doc_attr(doc, "title") or "")
    byline = byline_text(lines, title, body)
    author = meta(tree, AUTHOR_META) or author_from(byline) or doc_attr(doc, "author")
    return Article(title=title, text=body, published_at=published,
                   author=squash(author)[:60] if author else None, published_local=local)
