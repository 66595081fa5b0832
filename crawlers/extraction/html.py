"""Tree parsing and text helpers shared by the extraction modules."""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

__all__ = ["CJK", "XML_DECL", "block_text", "body_span", "meta", "node_text", "parse_tree",
           "squash", "title_lines", "visible_lines"]

XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
CJK = re.compile(r"[\u4e00-\u9fff]")
_WS = re.compile(r"[ \t\u3000\xa0]+")
_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
               "article", "blockquote", "pre", "table", "dd", "dt", "ul", "ol"}


def parse_tree(text: str) -> Any:
    """The lxml document, or None when the text is not HTML lxml can read."""
    try:
        text = XML_DECL.sub("", text, count=1)
        if not text.strip():
            return None
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError, TypeError):
        return None


def squash(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


def node_text(node: Any) -> str:
    try:
        return squash(node.text_content())
    except (ValueError, AttributeError):
        return ""


def block_text(node: Any) -> str:
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
        return node_text(node)
    lines = (squash(line) for line in "".join(chunks).split("\n"))
    return "\n".join(line for line in lines if line)


def meta(tree: Any, names: tuple[str, ...]) -> str | None:
    """The content of the first <meta> among `names` (name, property, itemprop or
    http-equiv; earlier names win)."""
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


def visible_lines(tree: Any) -> list[str]:
    body = tree.find("body")
    try:
        return block_text(body if body is not None else tree).split("\n")
    except Exception:  # very broken trees: no byline search
        return []


def title_lines(lines: list[str], title: str) -> list[int]:
    """Indexes of the headline's own lines (maybe with a channel name), not of any line
    naming the site."""
    if len(title) < 4:
        return []
    return [i for i, line in enumerate(lines)
            if title in line and len(line) <= len(title) + 40 and len(title) >= 0.3 * len(line)]


def body_span(lines: list[str], body: str) -> tuple[int | None, int | None]:
    """(first, last) index of the extracted body text among the visible lines."""
    body_lines = [b for b in body.splitlines() if len(b) >= 6]
    if not body_lines:
        return None, None
    first, last = body_lines[0][:20], body_lines[-1][-20:]
    start = next((i for i, line in enumerate(lines) if first in line), None)
    end = None
    if start is not None:
        end = next((i for i in range(len(lines) - 1, start - 1, -1) if last in lines[i]), None)
    return start, end
