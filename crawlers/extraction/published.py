"""The publish time: a meta tag or <time> element, else the byline the page shows next
to the headline (Chinese portals rarely have the meta tags), else htmldate's guess."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.dates import find_datetimes, parse_datetime
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


def _time_from_meta(tree: Any, timezone: str) -> datetime | None:
    raw = meta(tree, _TIME_META)
    if raw:
        found = parse_datetime(raw, timezone)
        if found is not None:
            return found
    for node in tree.iter("time"):
        raw = node.get("datetime") or node.get("pubdate") or node_text(node)
        found = parse_datetime(raw or "", timezone)
        if found is not None:
            return found
    for node in tree.xpath("//*[@itemprop='datePublished']")[:3]:
        found = parse_datetime(node.get("content") or node.get("datetime") or node_text(node), timezone)
        if found is not None:
            return found
    return None


_DATE_KEYWORDS = re.compile(r"发布|发表|时间|日期|来源|编辑|记者|作者|posted|published", re.I)
_DATE_NOT_PUBLISHED = re.compile(r"建立于|注册|加入|生日|版权|copyright|©|更新于|最后登录|访问", re.I)
_HAS_CLOCK = re.compile(r"\d{1,2}\s*[:：时点]\s*\d{2}")


def _time_near(lines: list[str], title: str, body: str, timezone: str) -> datetime | None:
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
    return best[2] if best is not None and best[0] > -12 else None


def _is_midnight(value: datetime, zone: tzinfo) -> bool:
    local = value.astimezone(zone)
    return local.hour == 0 and local.minute == 0 and local.second == 0


def publish_time(tree: Any, lines: list[str], title: str, body: str, timezone: str) -> datetime | None:
    """The publish instant (aware UTC) from the page's meta data and visible text."""
    zone = ZoneInfo(timezone)
    published = _time_from_meta(tree, timezone)
    near = _time_near(lines, title, body, timezone)
    if published is None:
        return near
    if (near is not None and _is_midnight(published, zone)
            and published.astimezone(zone).date() == near.astimezone(zone).date()):
        return near  # the byline has the time of day the meta tag left out
    return published


def from_htmldate(value: str | None, timezone: str) -> datetime | None:
    """htmldate's date (trafilatura's metadata) as an instant, unless it is a padded year."""
    if not value:
        return None
    published = parse_datetime(value, timezone)
    if published is not None and published.astimezone(ZoneInfo(timezone)).strftime("%m-%d %H:%M") == "01-01 00:00":
        return None  # htmldate pads a bare year to 1 January: not a publish time
    return published


def wall_clock(instant: datetime | None, raw: str | None, timezone: str) -> datetime | None:
    """The instant on the page's own wall clock (see Article.published_local)."""
    if instant is None:
        return None
    return instant.astimezone(ZoneInfo(timezone))
