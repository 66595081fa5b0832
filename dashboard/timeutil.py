"""Times are stored in UTC and shown / entered in the duty office's local time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def to_local(value: datetime | None, tz: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:  # a naive time from a backend is UTC by the store contract
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(tz))


def format_local(value: datetime | None, tz: str, with_seconds: bool = False) -> str:
    local = to_local(value, tz)
    if local is None:
        return "—"
    return local.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def parse_local(text: str | None, tz: str) -> datetime | None:
    """A `datetime-local` / `YYYY-MM-DD HH:MM` / `YYYY-MM-DD` input in local time -> UTC.

    Raises ValueError with a message for the user when the text is not a time.
    """
    if text is None or not text.strip():
        return None
    raw = text.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            naive = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
    raise ValueError(f"时间“{text.strip()[:40]}”格式不正确，请写成 2025-01-31 08:00")


def input_value(value: datetime | None, tz: str) -> str:
    """UTC time -> the value a `datetime-local` input expects."""
    local = to_local(value, tz)
    return local.strftime("%Y-%m-%dT%H:%M") if local else ""
