"""One article page (bytes or text) -> title, body text, publish time, author.

With per-source `selectors` ({"title", "text", "time", "author"}: CSS, or XPath when the
expression starts with "/" or "(") those win. Otherwise our text-density finder picks the
body (trafilatura when it finds too little) and our own rules pick the title and the
publish time, because Chinese portals put the site name into <title> and the date into
a byline next to the headline.
Malformed or hostile HTML never raises: the result holds whatever could be found.
"""

from __future__ import annotations

import codecs
import copy
import logging
import re
from configparser import ConfigParser
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html
import trafilatura
from lxml import etree
from parsel import Selector
from trafilatura.settings import DEFAULT_CONFIG, set_date_params
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, resolve_encoding

from crawlers.dates import find_datetime, find_datetimes, parse_datetime

__all__ = ["Article", "extract_article", "clean_title", "decode_html", "detect_encoding"]

log = logging.getLogger(__name__)


@dataclass
class Article:
    title: str = ""
    text: str = ""
    published_at: datetime | None = None
    author: str | None = None


# meta names/properties that carry the publish time, most specific first
_TIME_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article:published", "published_time", "datepublished", "pubdate", "publishdate",
    "publish_date", "publish-date", "publishtime", "publish_time", "ptime", "og:release_date",
    "weibo:article:create_at", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.created",
    "dcterms.date", "date", "sailthru.date", "article.published", "release_date",
    "firstpublishedtime", "createdate", "created",
)
_AUTHOR_META = ("author", "article:author", "og:article:author", "dc.creator", "byl", "sailthru.author")
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—{1,2}|–|\s-\s|-(?=[^-]{2,12}$)|::|»|＿)\s*")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_WS = re.compile(r"[ \t\u3000\xa0]+")
_BYLINE_AUTHOR = re.compile(
    r"(?:作者|撰文|文|记者|撰稿|编辑|发布人|发帖人|楼主)\s*[:：/]\s*"
    r"([\u4e00-\u9fffA-Za-z·•][\u4e00-\u9fffA-Za-z·• ]{0,20}?)(?=\s{1,}|[ 　,，;；|(（]|来源|时间|发布|$)"
)


@lru_cache(maxsize=1)
def _config() -> ConfigParser:
    config = copy.deepcopy(DEFAULT_CONFIG)
    # Chinese packs a paragraph into far fewer characters than the English defaults expect.
    config["DEFAULT"]["min_extracted_size"] = "100"
    config["DEFAULT"]["min_output_size"] = "10"
    config["DEFAULT"]["extraction_timeout"] = "0"  # signals do not work off the main thread
    return config


def _parse_tree(text: str) -> Any:
    try:
        text = _XML_DECL.sub("", text, count=1)
        if not text.strip():
            return None
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError, TypeError):
        return None


def _squash(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


def _node_text(node: Any) -> str:
    try:
        return _squash(node.text_content())
    except (ValueError, AttributeError):
        return ""


# ---------------------------------------------------------------- bytes -> text
# Order: an explicit override (source config), the BOM, the HTTP Content-Type, the HTML
# meta charset, then detection. w3lib maps gb2312/gbk to gb18030 (a superset: pages
# labelled gb2312 routinely use GBK-only characters) and big5 to big5hkscs.

# A page that declares one charset but is really another decodes into many U+FFFD;
# above this share we distrust the declaration and detect instead.
_MAX_REPLACEMENT_SHARE = 0.01
# The most frequent Simplified and Traditional characters, to tell a GB page from a
# Big5 page when both decodings are byte-valid.
_SIMPLIFIED_COMMON = set("的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会")
_TRADITIONAL_COMMON = set("的一是了我不人在他有這個上們來到時大地為子中你說生國年著就那和要她出也得裡後自以會")
_HEADER_CHARSET = re.compile(r"charset=\s*[\"']?([\w-]+)", re.I)


def _decodes(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def detect_encoding(data: bytes) -> str | None:
    """Guess the charset of undeclared bytes: UTF-8 if strictly valid, otherwise the
    Chinese legacy charset whose decoding looks most like real Chinese text."""
    sample = data[:200_000]
    # a cut in the middle of a multi-byte character must not rule UTF-8 out
    if _decodes(sample, "utf-8") is not None or _decodes(sample[:-3], "utf-8") is not None:
        return "utf-8"
    candidates: list[tuple[int, str]] = []
    for enc, common in (("gb18030", _SIMPLIFIED_COMMON), ("big5hkscs", _TRADITIONAL_COMMON)):
        text = sample.decode(enc, errors="replace")
        score = sum(1 for ch in text if ch in common) - 5 * text.count("\ufffd")
        candidates.append((score, enc))
    best_score, best = max(candidates)
    if best_score > 0:
        return best
    try:  # not Chinese after all: let charset-normalizer (a requests dependency) guess
        from charset_normalizer import from_bytes

        match = from_bytes(sample).best()
        return match.encoding if match else None
    except Exception:  # detection is a best effort; the caller falls back to UTF-8
        return None


def _normalize_name(name: str | None) -> str | None:
    if not name:
        return None
    return resolve_encoding(name.strip().strip("'\"")) or None


def decode_html(
    data: bytes | str, encoding: str | None = None, content_type: str | None = None
) -> tuple[str, str]:
    """Return (text, encoding used). Bad bytes become U+FFFD rather than losing the page;
    an unknown override is a ValueError (a configuration mistake)."""
    if isinstance(data, str):
        return data, "unicode"
    if encoding:
        override = _normalize_name(encoding)
        try:
            codecs.lookup(override or "")
        except LookupError as exc:
            raise ValueError(f"unknown encoding override {encoding!r}") from exc
        return data.decode(override, errors="replace").removeprefix("\ufeff"), override
    enc, text = html_to_unicode(content_type, data, default_encoding="utf-8",
                                auto_detect_fun=detect_encoding)
    header = _HEADER_CHARSET.search(content_type or "")
    declared = html_body_declared_encoding(data) or (header.group(1) if header else None)
    if declared and text and text.count("\ufffd") / len(text) > _MAX_REPLACEMENT_SHARE:
        # The declaration lies (seen on mirrored pages): detect from the bytes instead.
        guessed = detect_encoding(data)
        if guessed and guessed != enc:
            other = data.decode(guessed, errors="replace")
            if other.count("\ufffd") < text.count("\ufffd"):
                enc, text = guessed, other
    return text, enc


# ---------------------------------------------------------------- selectors


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
            parts.append(_squash(root))
        else:
            parts.append(_block_text(root))
    return "\n".join(p for p in parts if p)


_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
               "article", "blockquote", "pre", "table", "dd", "dt", "ul", "ol"}


def _block_text(node: Any) -> str:
    """Text of an element with a line break at each block boundary (not one run-on line)."""
    chunks: list[str] = []

    def walk(el: Any) -> None:
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript", "template"):
            if el.tail:
                chunks.append(el.tail)
            return
        block = el.tag in _BLOCK_TAGS
        if block:
            chunks.append("\n")
        if el.text:
            chunks.append(el.text)
        for child in el:
            walk(child)
        if block:
            chunks.append("\n")
        if el.tail and el is not node:
            chunks.append(el.tail)

    try:
        walk(node)
    except (ValueError, AttributeError):
        return _node_text(node)
    lines = (_squash(line) for line in "".join(chunks).split("\n"))
    return "\n".join(line for line in lines if line)


def _with_selectors(text: str, selectors: dict[str, str], url: str, timezone: str) -> Article:
    sel = Selector(text=_XML_DECL.sub("", text, count=1) or "<html></html>")
    article = Article()
    if selectors.get("title"):
        article.title = _squash(_select(sel, selectors["title"]).replace("\n", " "))
    if selectors.get("text"):
        article.text = _select(sel, selectors["text"], multi=True)
    if selectors.get("time"):
        raw = _select(sel, selectors["time"])
        article.published_at = parse_datetime(raw, timezone) or find_datetime(raw, timezone)
    if selectors.get("author"):
        raw = _select(sel, selectors["author"]).replace("\n", " ")
        article.author = _author_from(raw) or (raw[:40] or None)
    return article


def _author_from(raw: str) -> str | None:
    m = _BYLINE_AUTHOR.search(raw)
    return _squash(m.group(1)) if m else None


# ---------------------------------------------------------------- title


_SITE_NAME = re.compile(
    r"(网|报|频道|新闻|在线|论坛|社区|博客|官网|首页|门户|百科|政府|平台|客户端|广播|电视台)$|"
    r"百科|\.com|\.cn|\.net|www\.|powered by|blog|bbs|archiver", re.I
)


def clean_title(title: str) -> str:
    """Drop the site and channel names: "标题_新浪新闻" -> "标题", "标题 - 人民网" -> "标题",
    "Joel on Software - 标题" -> "标题"."""
    title = _squash(title)
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p]
    if len(parts) <= 1:
        return title

    def score(index: int) -> tuple[float, int]:
        part = parts[index]
        # Chinese headlines are long runs of CJK; site names are short or look like one.
        value = len(_CJK.findall(part)) + 0.3 * len(part)
        if _SITE_NAME.search(part):
            value *= 0.2
        return value, -index  # ties: the earlier part

    return parts[max(range(len(parts)), key=score)]


def _meta(tree: Any, names: tuple[str, ...]) -> str | None:
    wanted = {n.lower() for n in names}
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "").lower()
        if key in wanted and el.get("content") and key not in found:
            found[key] = el.get("content").strip()
    for name in names:
        if found.get(name.lower()):
            return found[name.lower()]
    return None


def _headings(tree: Any) -> list[Any]:
    nodes = []
    for tag in ("h1", "h2", "h3"):
        nodes.extend(tree.iter(tag))
    classed = tree.xpath(
        "//*[contains(@class,'title') or contains(@id,'title') or contains(@class,'Title')]"
        "[not(self::title or self::head or self::html or self::body)]"
    )
    nodes.extend(classed[:30])
    return nodes


def _pick_title(tree: Any) -> tuple[str, bool]:
    """(title, whether a heading or og:title confirms it). A heading that is part of
    og:title or <title> is the headline without the site name; otherwise the cleaned
    og:title or <title>, else the first reasonable <h1>."""
    head_title = ""
    title_el = tree.find(".//title")
    if title_el is not None:
        head_title = _node_text(title_el)
    og = _meta(tree, ("og:title", "twitter:title")) or ""
    reference = _squash(og or head_title)
    best: tuple[int, str] | None = None
    if reference:
        for node in _headings(tree):
            text = _node_text(node)
            if 4 <= len(text) <= 80 and text in reference:
                score = len(text) * 10 + (5 if node.tag == "h1" else 0)
                if best is None or score > best[0]:
                    best = (score, text)
        if best is not None and len(best[1]) * 2 >= len(clean_title(reference)):
            return best[1], True
    if reference:
        # og:title is the site's own statement of the headline; <title> may be only the site name
        return clean_title(reference), bool(og)
    for node in tree.iter("h1"):
        text = _node_text(node)
        if 4 <= len(text) <= 80:
            return text, True
    return "", False


def _heading_above_body(tree: Any, lines: list[str], body: str, title: str) -> str | None:
    """The heading closest above the body text, unless the title already stands there:
    the headline when <title> only names the site or channel (old portals, forums).
    With no title at all, a short headline-like line right above the body will do."""
    start, _ = _body_span(lines, body)
    if not start:
        return None
    window = lines[max(0, start - 8):start]
    if title and any(title in line for line in window):
        return None
    texts = {_node_text(node) for node in _headings(tree)}
    if not title:
        if lines[start] in texts and 6 <= len(lines[start]) <= 80:
            return lines[start]  # the body block starts with its own headline
        texts |= {_node_text(node) for node in tree.iter("b", "strong", "font")}
    for line in reversed(window):
        if 6 <= len(line) <= 80 and line in texts:
            return line
    if not title:
        for line in reversed(window[-3:]):
            if (6 <= len(line) <= 60 and not line.endswith(("。", "：", ":"))
                    and not any(mark in line for mark in (">", "»", "|", "首页"))  # breadcrumbs
                    and not find_datetime(line) and _CJK.search(line)):
                return line
    return None


# ---------------------------------------------------------------- time and author


def _time_from_meta(tree: Any, timezone: str) -> datetime | None:
    raw = _meta(tree, _TIME_META)
    if raw:
        found = parse_datetime(raw, timezone)
        if found is not None:
            return found
    for node in tree.iter("time"):
        raw = node.get("datetime") or node.get("pubdate") or _node_text(node)
        found = parse_datetime(raw or "", timezone)
        if found is not None:
            return found
    for node in tree.xpath("//*[@itemprop='datePublished']")[:3]:
        found = parse_datetime(node.get("content") or node.get("datetime") or _node_text(node), timezone)
        if found is not None:
            return found
    return None


def _body(text: str, url: str) -> Any:
    try:
        return trafilatura.bare_extraction(
            text, url=url or None, include_comments=False, include_tables=True,
            # neither favor_precision nor favor_recall: the balanced mode scored best here
            with_metadata=True, config=_config(),
            date_extraction_params=_date_params(),
        )
    except Exception as exc:  # trafilatura on broken markup: keep the other fields
        log.debug("trafilatura failed on %s: %s", url, exc)
        return None


def _date_params() -> dict[str, Any]:
    # No extensive search: it turns "© 2024" into 2024-01-01, a date the page never gave.
    params = set_date_params(False)
    params["outputformat"] = "%Y-%m-%d %H:%M"  # keep the time of day when htmldate finds one
    return params


def _doc_attr(doc: Any, name: str) -> Any:
    if doc is None:
        return None
    if isinstance(doc, dict):
        return doc.get(name)
    return getattr(doc, name, None)


_TABLE_PIPES = re.compile(r"\s*\|\s*")


def _clean_body(text: str) -> str:
    out = []
    for line in (text or "").splitlines():
        if "|" in line:
            # trafilatura renders table cells as "a | b |": the pipes are not page text
            line = _TABLE_PIPES.sub(" ", line)
        line = _squash(line)
        if line:
            out.append(line)
    return "\n".join(out)


_CANDIDATE_TAGS = ("div", "td", "article", "section", "main", "body", "form", "span", "font", "center")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Blocks that are page furniture, by the usual class/id words (as readability does).
_NOISE_ATTR = re.compile(
    r"comment|feedback|reply|related|recommend|share|footer|sidebar|breadcrumb|nav|menu|copyright|"
    r"pinglun|xiangguan|tuijian|hot|rank|ad[-_]|banner|login",
    re.I,
)
_DENSITY_DEPTH = 4


def _paragraph_weight(node: Any) -> int:
    if node.tag == "br":
        own = node.tail or ""
    else:
        own = (node.text or "") + "".join(child.tail or "" for child in node)
    own = own.strip()
    if len(own) < 10:
        return 0
    # Punctuation marks running prose, not menus or link lists.
    return len(own) + len(_CJK.findall(own)) + 10 * sum(own.count(c) for c in "，。；！？,")


_FURNITURE_ATTR = re.compile(r"comment|reply|feedback|pinglun|related|sidebar|footer|copyright", re.I)


def _in_furniture(node: Any) -> bool:
    """Inside a comments list, sidebar or footer: such prose must not win the page."""
    depth = 0
    while node is not None and depth < 8:
        if isinstance(node.tag, str):
            marker = f"{node.get('class') or ''} {node.get('id') or ''}"
            if marker.strip() and _FURNITURE_ATTR.search(marker):
                return True
        node, depth = node.getparent(), depth + 1
    return False


def _density_body(tree: Any) -> str:
    """Our own main-text finder (text density, as in readability/GNE): the block whose
    paragraphs carry the most prose; a paragraph counts fully for its parent and half
    for the grandparent, and blocks heavy with links are discounted."""
    scores: dict[Any, float] = {}
    for node in tree.iter("p", "br", "td", "div", "font", "span", "pre"):
        if not isinstance(node.tag, str):
            continue
        weight = _paragraph_weight(node)
        if not weight or _in_furniture(node):
            continue
        target: Any = node if node.tag in _CANDIDATE_TAGS else None
        if target is not None:
            scores[target] = scores.get(target, 0.0) + weight
        parent, depth = node.getparent(), 0
        while parent is not None and depth < _DENSITY_DEPTH:
            if isinstance(parent.tag, str) and parent.tag in _CANDIDATE_TAGS:
                scores[parent] = scores.get(parent, 0.0) + weight / (depth + 1)
            parent, depth = parent.getparent(), depth + 1
    if not scores:
        return ""
    best = max(scores, key=lambda n: scores[n] * (1 - _link_share(n)))
    best = _with_similar_siblings(best, scores)
    for bad in best.xpath(".//script|.//style|.//noscript|.//select|.//textarea|.//input"):
        bad.drop_tree()
    for child in list(best.iter()):
        if child is best or not isinstance(child.tag, str) or child.getparent() is None:
            continue
        marker = f"{child.get('class') or ''} {child.get('id') or ''}"
        if (marker.strip() and _NOISE_ATTR.search(marker)) or (
            child.tag in ("ul", "ol", "table", "div") and len(_node_text(child)) > 20
            and _link_share(child) > 0.6
        ):
            child.drop_tree()
    return _block_text(best)


def _with_similar_siblings(best: Any, scores: dict[Any, float]) -> Any:
    """A forum thread or a story split into same-class blocks (div.post, div.post, ...):
    when siblings like the winner carry prose too, their common parent is the text."""
    parent, cls = best.getparent(), best.get("class")
    if parent is None or not cls or parent.tag not in _CANDIDATE_TAGS:
        return best
    similar = [sib for sib in parent if sib is not best and isinstance(sib.tag, str)
               and sib.tag == best.tag and sib.get("class") == cls and scores.get(sib, 0) > 0]
    return parent if similar else best


def _link_share(node: Any) -> float:
    total = len(_node_text(node)) or 1
    linked = sum(len(_node_text(a)) for a in node.iter("a"))
    return min(linked / total, 1.0)


# ---------------------------------------------------------------- entry point


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
        article = _with_selectors(text, selectors, url, timezone)
        if article.title and article.text and (article.published_at or not selectors.get("time")):
            return article
    auto = _automatic(text, url, timezone)
    # Fill only what the selectors did not give.
    return Article(
        title=article.title or auto.title,
        text=article.text or auto.text,
        published_at=article.published_at or auto.published_at,
        author=article.author or auto.author,
    )


def _automatic(text: str, url: str, timezone: str) -> Article:
    tree = _parse_tree(text)
    if tree is None:
        doc = _body(text, url)
        return Article(title=_squash(_doc_attr(doc, "title") or ""),
                       text=_clean_body(_doc_attr(doc, "text") or ""))
    # Our density finder scored better than trafilatura on real Chinese portal pages
    # (old table layouts, comment threads); trafilatura (slower: it runs its own
    # fallbacks and htmldate) is called only for what the density finder misses.
    doc = None
    try:
        body = _clean_body(_density_body(copy.deepcopy(tree)))
    except Exception as exc:  # a best effort on broken trees
        log.debug("density extraction failed on %s: %s", url, exc)
        body = ""
    if len(body) < _MIN_DENSE_CHARS:
        doc = _body(text, url)
        other = _clean_body(_doc_attr(doc, "text") or "")
        if len(other) > len(body):
            body = other
    lines = _visible_lines(tree)
    try:
        title, confirmed = _pick_title(tree)
        if not confirmed:
            title = _heading_above_body(tree, lines, body, title) or title
    except Exception as exc:  # odd trees (comments as roots, ...) must not lose the body
        log.debug("title choice failed on %s: %s", url, exc)
        title = ""
    byline = _byline_text(lines, title, body)
    published = _time_from_meta(tree, timezone)
    near = _time_near(lines, title, body, timezone)
    if published is None:
        published = near
    elif near is not None and _is_midnight(published, timezone) and _same_day(published, near, timezone):
        published = near  # the byline has the time of day the meta tag left out
    if published is None:
        doc = doc if doc is not None else _body(text, url)
        if _doc_attr(doc, "date"):
            published = parse_datetime(_doc_attr(doc, "date"), timezone)
            if published is not None and published.astimezone(ZoneInfo(timezone)).strftime("%m-%d %H:%M") == "01-01 00:00":
                published = None  # htmldate pads a bare year to 1 January: not a publish time
    if not title and doc is not None:
        title = _squash(_doc_attr(doc, "title") or "")
    author = _meta(tree, _AUTHOR_META) or _author_from(byline) or _doc_attr(doc, "author")
    return Article(title=title, text=body, published_at=published,
                   author=_squash(author)[:60] if author else None)


_MIN_DENSE_CHARS = 50


def _visible_lines(tree: Any) -> list[str]:
    body = tree.find("body")
    try:
        return _block_text(body if body is not None else tree).split("\n")
    except Exception:  # very broken trees: no byline search
        return []


def _title_lines(lines: list[str], title: str) -> list[int]:
    if len(title) < 4:
        return []
    # the headline's own line (maybe with a channel name), not any line naming the site
    return [i for i, line in enumerate(lines)
            if title in line and len(line) <= len(title) + 40 and len(title) >= 0.3 * len(line)]


def _body_span(lines: list[str], body: str) -> tuple[int | None, int | None]:
    body_lines = [b for b in body.splitlines() if len(b) >= 6]
    if not body_lines:
        return None, None
    first, last = body_lines[0][:20], body_lines[-1][-20:]
    start = next((i for i, line in enumerate(lines) if first in line), None)
    end = None
    if start is not None:
        end = next((i for i in range(len(lines) - 1, start - 1, -1) if last in lines[i]), None)
    return start, end


def _byline_text(lines: list[str], title: str, body: str) -> str:
    """The few lines after the headline, or before the body: where bylines sit."""
    for i in _title_lines(lines, title):
        return " ".join(lines[i:i + 5])[:400]
    start, _ = _body_span(lines, body)
    if start:
        return " ".join(lines[max(0, start - 4):start])[-400:]
    return ""


_DATE_KEYWORDS = re.compile(r"发布|发表|时间|日期|来源|编辑|记者|作者|posted|published", re.I)
_DATE_NOT_PUBLISHED = re.compile(r"建立于|注册|加入|生日|版权|copyright|©|更新于|最后登录|访问", re.I)
_HAS_CLOCK = re.compile(r"\d{1,2}\s*[:：时点]\s*\d{2}")


def _time_near(lines: list[str], title: str, body: str, timezone: str) -> datetime | None:
    """Publish time from the page text. Every full date in the visible lines is a
    candidate; the byline is close under the headline or just before the body (or,
    on blogs and forums, just after it: "发表于 ..."), names itself (发布时间, 来源) and
    carries a clock time. Dates inside the body are usually events, not the byline."""
    start, end = _body_span(lines, body)
    # repeats after the body are comment quotes ("re: 标题"), not the headline
    titles = [t for t in _title_lines(lines, title) if end is None or t <= end][:3]
    best: tuple[float, int, datetime] | None = None
    for i, line in enumerate(lines):
        if len(line) > 300 or not re.search(r"\d{4}|民国", line):
            continue
        found = find_datetimes(line, timezone, limit=3)
        if not found:
            continue
        distance = 30.0
        for t in titles:
            distance = min(distance, i - t if i >= t else 3 * (t - i))
        if start is not None:
            if i < start:
                distance = min(distance, start - i)
            elif end is not None and i > end:
                distance = min(distance, 2 * (i - end) + 1)  # after the body: comments follow
            else:  # inside the body
                distance = min(distance, 3 + min(i - start, (end or i) - i))
        score = -0.5 * min(distance, 30.0)
        score += 2.0 if _HAS_CLOCK.search(line) else 0.0
        score += 1.5 if _DATE_KEYWORDS.search(line) else 0.0
        score -= 6.0 if _DATE_NOT_PUBLISHED.search(line) else 0.0
        score += 1.5 if len(line) <= 40 else -0.01 * (len(line) - 40)  # bylines are short lines
        if best is None or score > best[0]:
            best = (score, i, found[0])
    return best[2] if best is not None and best[0] > -12 else None


def _is_midnight(value: datetime, timezone: str) -> bool:
    local = value.astimezone(ZoneInfo(timezone))
    return local.hour == 0 and local.minute == 0 and local.second == 0


def _same_day(a: datetime, b: datetime, timezone: str) -> bool:
    zone = ZoneInfo(timezone)
    return a.astimezone(zone).date() == b.astimezone(zone).date()
