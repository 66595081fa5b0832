"""The headline: Chinese portals put the site and channel names into <title>, so a heading
that <title> or og:title contains wins, else the cleaned <title>, else the heading right
above the body text."""

from __future__ import annotations

import re
from typing import Any

from crawlers.dates import find_datetime
from crawlers.extraction.html import CJK, body_span, meta, node_text, squash

__all__ = ["clean_title", "heading_above_body", "pick_title"]

_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—{1,2}|–|\s-\s|-(?=[^-]{2,12}$)|::|»|＿)\s*")
_SITE_NAME = re.compile(
    r"(网|报|频道|新闻|在线|论坛|社区|博客|官网|首页|门户|百科|政府|平台|客户端|广播|电视台)$|"
    r"百科|\.com|\.cn|\.net|www\.|powered by|blog|bbs|archiver", re.I
)


def clean_title(title: str) -> str:
    """Drop the site and channel names: "标题_新浪新闻" -> "标题", "标题 - 人民网" -> "标题",
    "Joel on Software - 标题" -> "标题"."""
    title = squash(title)
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p]
    if len(parts) <= 1:
        return title

    def score(index: int) -> tuple[float, int]:
        part = parts[index]
        # Chinese headlines are long runs of CJK; site names are short or look like one.
        value = len(CJK.findall(part)) + 0.3 * len(part)
        if _SITE_NAME.search(part):
            value *= 0.2
        return value, -index  # ties: the earlier part

    return parts[max(range(len(parts)), key=score)]


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


def pick_title(tree: Any) -> tuple[str, bool]:
    """(title, whether a heading or og:title confirms it). A heading that is part of
    og:title or <title> is the headline without the site name; otherwise the cleaned
    og:title or <title>, else the first reasonable <h1>."""
    head_title = ""
    title_el = tree.find(".//title")
    if title_el is not None:
        head_title = node_text(title_el)
    og = meta(tree, ("og:title", "twitter:title")) or ""
    reference = squash(og or head_title)
    best: tuple[int, str] | None = None
    if reference:
        for node in _headings(tree):
            text = node_text(node)
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
        text = node_text(node)
        if 4 <= len(text) <= 80:
            return text, True
    return "", False


def heading_above_body(tree: Any, lines: list[str], body: str, title: str) -> str | None:
    """The heading closest above the body text, unless the title already stands there:
    the headline when <title> only names the site or channel (old portals, forums).
    With no title at all, a short headline-like line right above the body will do."""
    start, _ = body_span(lines, body)
    if not start:
        return None
    window = lines[max(0, start - 8):start]
    if title and any(title in line for line in window):
        return None
    texts = {node_text(node) for node in _headings(tree)}
    if not title:
        if lines[start] in texts and 6 <= len(lines[start]) <= 80:
            return lines[start]  # the body block starts with its own headline
        texts |= {node_text(node) for node in tree.iter("b", "strong", "font")}
    for line in reversed(window):
        if 6 <= len(line) <= 80 and line in texts:
            return line
    if not title:
        for line in reversed(window[-3:]):
            if (6 <= len(line) <= 60 and not line.endswith(("。", "：", ":"))
                    and not any(mark in line for mark in (">", "»", "|", "首页"))  # breadcrumbs
                    and not find_datetime(line) and CJK.search(line)):
                return line
    return None
