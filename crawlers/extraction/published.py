"""The publish time: a meta tag or <time> element, else the byline the page shows next
to the headline (Chinese portals rarely have the meta tags), else htmldate's guess."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_offset
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.dates import find_datetimes, parse_datetime, wall_clock_readings
from crawlers.extraction.entries import Entries
from crawlers.extraction.html import body_span, meta, node_text, title_lines

__all__ = ["from_htmldate", "publish_time", "wall_clock"]

# meta names/properties that carry the publish time, most specific first
_TIME_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article:published", "published_time", "datepublished", "pubdate", "publishdate",
    "publish_date", "publish-date", "publishtime", "publish_time", "ptime", "og:release_date",
    "weibo:article:create_at", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.created",
    "dcterms.date", "date", "sailthru.date", "article.published", "release_date",
    "firstpublishedtime", "createdate", "created",
)


def _time_from_meta(tree: Any, timezone: str) -> tuple[datetime, str] | None:
    """(instant, the machine value as written) from meta tags, <time> or datePublished."""
    raw = meta(tree, _TIME_META)
    if raw:
        found = parse_datetime(raw, timezone)
        if found is not None:
            return found, raw
    for node in tree.iter("time"):
        raw = node.get("datetime") or node.get("pubdate") or node_text(node)
        found = parse_datetime(raw or "", timezone)
        if found is not None:
            return found, raw
    for node in tree.xpath("//*[@itemprop='datePublished']")[:3]:
        raw = node.get("content") or node.get("datetime") or node_text(node)
        found = parse_datetime(raw, timezone)
        if found is not None:
            return found, raw
    return None


def _shown_for(tree: Any, instant: datetime, timezone: str) -> list[str]:
    """The human-readable text of each <time> element whose machine value is `instant`:
    HTML5 puts the machine value in the attribute and the clock readers see inside."""
    shown = []
    for node in tree.iter("time"):
        raw = node.get("datetime")
        if raw and parse_datetime(raw, timezone) == instant:
            shown.append(node_text(node))
    return shown[:3]


_DATE_KEYWORDS = re.compile(r"发布|发表|时间|日期|来源|编辑|记者|作者|posted|published", re.I)
_DATE_NOT_PUBLISHED = re.compile(r"建立于|注册|加入|生日|版权|copyright|©|更新于|最后登录|访问", re.I)
_HAS_CLOCK = re.compile(r"\d{1,2}\s*[:：时点]\s*\d{2}")


def _time_near(lines: list[str], title: str, body: str, timezone: str) -> tuple[datetime, int] | None:
    """Publish time from the page text. Every full date in the visible lines is a
    candidate; the byline is close under the headline or just before the body (or,
    on blogs and forums, just after it: "发表于 ..."), names itself (发布时间, 来源) and
    carries a clock time. Dates inside the body are usually events, not the byline."""
    start, end = body_span(lines, body)
    # repeats after the body are comment quotes ("re: 标题"), not the headline
    titles = [t for t in title_lines(lines, title) if end is None or t <= end][:3]
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
    return (best[2], best[1]) if best is not None and best[0] > -12 else None


def _inside(index: int, lines: list[str], body: str) -> bool:
    """Is visible line `index` part of the body text (not a byline above or below it)?"""
    start, end = body_span(lines, body)
    return start is not None and end is not None and start < index < end


def _is_midnight(value: datetime, zone: tzinfo) -> bool:
    local = value.astimezone(zone)
    return local.hour == 0 and local.minute == 0 and local.second == 0


def publish_time(
    tree: Any, lines: list[str], title: str, body: str, timezone: str, entries: Entries | None = None
) -> tuple[datetime | None, datetime | None]:
    """(publish instant in UTC, the same instant on the page's wall clock) from the
    page's meta data and visible text; on a page of several entries (`entries`) the
    first entry's date stands for the page's byline."""
    zone = ZoneInfo(timezone)
    stated = _time_from_meta(tree, timezone)
    near = ((entries.first_date, entries.first_line) if entries is not None
            else _time_near(lines, title, body, timezone))
    if stated is None:
        if near is None:
            return None, None
        return near[0], wall_clock(near[0], None, timezone)
    published, raw = stated
    if near is not None and _is_midnight(published, zone):
        day = (near[0].astimezone(zone).date() - published.astimezone(zone).date()).days
        if day == 0:
            return near[0], wall_clock(near[0], None, timezone)  # the byline adds the time of day
        if abs(day) == 1 and not _inside(near[1], lines, body):
            # A date-only meta value one day off the date the page shows: the usual causes
            # are a date serialized through UTC (local midnight becomes the previous day)
            # and a CMS that records the day the item went online, not the date the text
            # carries (a government notice dated the 27th, posted on the 28th). The date
            # printed on the page is the one readers see and cite, so it wins; a larger
            # gap, or a date inside the text (an event of the day before), means the
            # page date is something else and the meta stays.
            return near[0], wall_clock(near[0], None, timezone)
    shown = _shown_for(tree, published, timezone)
    if near is not None:
        shown.append(lines[near[1]])
    return published, wall_clock(published, raw, timezone, shown)


def from_htmldate(value: str | None, timezone: str) -> datetime | None:
    """htmldate's date (trafilatura's metadata) as an instant, unless it is a padded year."""
    if not value:
        return None
    published = parse_datetime(value, timezone)
    if published is not None and published.astimezone(ZoneInfo(timezone)).strftime("%m-%d %H:%M") == "01-01 00:00":
        return None  # htmldate pads a bare year to 1 January: not a publish time
    return published


_OFFSET = re.compile(r"(?:(?P<utc>Z|GMT|UTC)|(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2}))\s*$", re.I)
_MAX_OFFSET = timedelta(hours=14)


def _stated_offset(raw: str | None) -> timedelta | None:
    """The UTC offset a machine value states (zero for Z/GMT), None for a naive value."""
    m = _OFFSET.search((raw or "").strip())
    if m is None:
        return None
    if m.group("utc"):
        return timedelta(0)
    sign = -1 if m.group("sign") == "-" else 1
    return sign * timedelta(hours=int(m.group("h")), minutes=int(m.group("m")))


def wall_clock(
    instant: datetime | None, raw: str | None, timezone: str, shown: list[str] | tuple[str, ...] = ()
) -> datetime | None:
    """The instant on the page's own wall clock (see Article.published_local).

    A machine value with a non-zero offset states the site's clock. A naive value was
    read in the source's zone, which stays. A UTC value (Z, +00:00) says nothing about
    the site: many CMSs serialize in UTC; then a clock the page shows for the same
    instant (`shown`: the <time> element's text, the byline) gives the offset, if the
    difference is a real one (a multiple of 15 minutes, at most 14 hours)."""
    if instant is None:
        return None
    default = instant.astimezone(ZoneInfo(timezone))
    offset = _stated_offset(raw)
    if offset is None or abs(offset) > _MAX_OFFSET:
        return default
    if offset:
        return instant.astimezone(fixed_offset(offset))
    utc_clock = instant.astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0)
    found: list[timedelta] = []
    for text in shown:
        for reading in wall_clock_readings(text):
            delta = reading - utc_clock
            if reading == default.replace(tzinfo=None, second=0, microsecond=0):
                return default  # the page shows the source's own clock
            if abs(delta) <= _MAX_OFFSET and delta % timedelta(minutes=15) == timedelta(0):
                found.append(delta)
    return instant.astimezone(fixed_offset(found[0])) if found else default
