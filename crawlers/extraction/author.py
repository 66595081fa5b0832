"""The author: a meta tag, else the byline (作者：/记者：/发帖人：...)."""

from __future__ import annotations

import re

from crawlers.extraction.html import body_span, squash, title_lines

__all__ = ["AUTHOR_META", "author_from", "byline_text"]

AUTHOR_META = ("author", "article:author", "og:article:author", "dc.creator", "byl", "sailthru.author")
_BYLINE_AUTHOR = re.compile(
    r"(?:作者|撰文|文|记者|撰稿|编辑|发布人|发帖人|楼主)\s*[:：/]\s*"
    r"([\u4e00-\u9fffA-Za-z·•][\u4e00-\u9fffA-Za-z·• ]{0,20}?)(?=\s{1,}|[ 　,，;；|(（]|来源|时间|发布|$)"
)


def author_from(raw: str) -> str | None:
    m = _BYLINE_AUTHOR.search(raw)
    return squash(m.group(1)) if m else None


def byline_text(lines: list[str], title: str, body: str) -> str:
    """The few lines after the headline, or before the body: where bylines sit."""
    for i in title_lines(lines, title):
        return " ".join(lines[i:i + 5])[:400]
    start, _ = body_span(lines, body)
    if start:
        return " ".join(lines[max(0, start - 4):start])[-400:]
    return ""
