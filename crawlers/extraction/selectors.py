"""Per-source CSS/XPath selectors ({"title", "text", "time", "author"}); an expression
starting with "/", "(" or "./" is XPath, anything else CSS."""

from __future__ import annotations

import logging

from parsel import Selector

from crawlers.dates import find_datetime, parse_datetime
from crawlers.extraction.article import Article
from crawlers.extraction.author import author_from
from crawlers.extraction.html import XML_DECL, block_text, squash
from crawlers.extraction.published import wall_clock

__all__ = ["with_selectors"]

log = logging.getLogger(__name__)


def _select(sel: Selector, expr: str, multi: bool = False) -> str:
    try:
        query = sel.xpath(expr) if expr.lstrip().startswith(("/", "(", "./")) else sel.css(expr)
    except Exception as exc:  # a bad selector in a source file: say so, keep crawling
        log.warning("bad selector %r: %s", expr, exc)
        return ""
    parts: list[str] = []
    for node in query if multi else query[:1]:
        root = node.root
        if isinstance(root, str):
            parts.append(squash(root))
        else:
            parts.append(block_text(root))
    return "\n".join(p for p in parts if p)


def with_selectors(text: str, selectors: dict[str, str], timezone: str) -> Article:
    """The fields the selectors give; the others stay empty."""
    sel = Selector(text=XML_DECL.sub("", text, count=1) or "<html></html>")
    article = Article()
    if selectors.get("title"):
        article.title = squash(_select(sel, selectors["title"]).replace("\n", " "))
    if selectors.get("text"):
        article.text = _select(sel, selectors["text"], multi=True)
    if selectors.get("time"):
        raw = _select(sel, selectors["time"])
        article.published_at = parse_datetime(raw, timezone) or find_datetime(raw, timezone)
        article.published_local = wall_clock(article.published_at, raw, timezone)
    if selectors.get("author"):
        raw = _select(sel, selectors["author"]).replace("\n", " ")
        article.author = author_from(raw) or (raw[:40] or None)
    return article
