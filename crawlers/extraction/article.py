"""The result of extracting one article page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Article:
    title: str = ""
    text: str = ""
    # The publish instant, aware (UTC).
    published_at: datetime | None = None
    author: str | None = None
    # The same instant at the UTC offset of the wall clock the page itself shows
    # (06/02/2022 - 13:48 on a Paris site is 13:48+01:00): what a reader of the page, or
    # a hand-written naive time, calls the publish time. Without evidence of another
    # offset it is the source's time zone.
    published_local: datetime | None = None
