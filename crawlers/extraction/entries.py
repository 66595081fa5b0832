"""Pages of several dated entries: a blog's archive or front page, a list of posts.

The densest block on such a page is one entry's text, and the byline nearest to it is
that entry's date; the page as a whole stands for its first (newest) entry, so its date
and, when the dates head the entries, its text are the first entry's. Entries show up as
short date lines of one template (digit runs masked: "由X张贴 @ #-#-# #:#:# (#)")
repeated at least three times, in date order, with text between them, and the body
sitting among them (a date just before it or just after it, others on both sides).
A news page's comment list comes after the body only, so it does not qualify; a list of
dated links has no text between the dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from crawlers.dates import find_datetimes
from crawlers.extraction.html import body_span

__all__ = ["Entries", "find_entries", "first_entry_text"]

_DIGIT_RUN = re.compile(r"\d+")
_MIN_ENTRIES = 3
_MIN_GAP = 3  # lines between entry dates: each entry has its own text
_NEAR = 3  # how close to the body an entry date must be to be that entry's own
_MIN_LINE = 6  # shorter lines inside an entry are its buttons ([打印], 评论)


@dataclass
class Entries:
    first_date: datetime
    first_line: int  # index of the first entry's date line among the visible lines
    markers: list[int]  # every entry date line (all templates), in page order
    headed: bool  # the date line comes before its entry's text


def find_entries(lines: list[str], body: str, timezone: str) -> Entries | None:
    start, end = body_span(lines, body)
    if start is None:
        return None
    end = start if end is None else end
    groups: dict[str, list[tuple[int, datetime]]] = {}
    for i, line in enumerate(lines):
        if len(line) > 80 or not re.search(r"\d{4}", line):
            continue
        found = find_datetimes(line, timezone, limit=2)
        if len(found) == 1:
            groups.setdefault(_DIGIT_RUN.sub("#", line), []).append((i, found[0]))
    best: tuple[int, datetime, bool] | None = None
    markers: set[int] = set()
    for entries in groups.values():
        if len({when for _, when in entries}) < _MIN_ENTRIES:
            continue
        index = [i for i, _ in entries]
        times = [when for _, when in entries]
        ordered = times == sorted(times) or times == sorted(times, reverse=True)
        spaced = all(b - a >= _MIN_GAP for a, b in zip(index, index[1:], strict=False))
        before = min((start - i for i in index if i <= start), default=len(lines))
        after = min((i - end for i in index if i >= end), default=len(lines))
        around = min(before, after) <= _NEAR
        # A date closer above the text than below it heads its entry; the "posted @"
        # line of the previous entry can sit just as close above, so a tie is no header.
        headed = before < after
        among = index[0] < start and index[-1] > end
        if not (ordered and spaced and around and among):
            continue
        markers.update(index)
        if best is None or index[0] < best[0]:
            best = (entries[0][0], entries[0][1], headed)
    if best is None:
        return None
    return Entries(first_date=best[1], first_line=best[0], markers=sorted(markers), headed=best[2])


def first_entry_text(lines: list[str], entries: Entries) -> str | None:
    """The first entry's text when the dates head the entries: the lines from its date
    to the next entry date line. None for footer-dated entries, whose first text has no
    clear start."""
    if not entries.headed:
        return None
    stop = next((i for i in entries.markers if i > entries.first_line), len(lines))
    kept = [line for line in lines[entries.first_line + 1:stop] if len(line) >= _MIN_LINE]
    text = "\n".join(kept)
    return text if len(text) >= 20 else None
