"""Dataclass <-> plain dict conversion with timezone-aware UTC datetimes as ISO text."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from .base import StoreError

T = TypeVar("T")


@cache
def datetime_fields(cls: type) -> frozenset[str]:
    # Annotations are strings (`from __future__ import annotations`), e.g. "datetime | None".
    return frozenset(f.name for f in fields(cls) if "datetime" in str(f.type))


def to_utc(value: datetime, what: str = "datetime") -> datetime:
    """Aware datetime in UTC; naive datetimes are refused rather than guessed."""
    if not isinstance(value, datetime):
        raise StoreError(f"{what}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"{what}: datetime {value.isoformat()} has no time zone (store needs aware datetimes)")
    return value.astimezone(UTC)


def dt_to_text(value: datetime | None, what: str = "datetime") -> str | None:
    return None if value is None else to_utc(value, what).isoformat()


def text_to_dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    dt = datetime.fromisoformat(value)
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def micros(value: datetime) -> int:
    """Exact integer microseconds since the epoch (used for SQLite ordering)."""
    delta = to_utc(value) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def to_doc(obj: Any) -> dict[str, Any]:
    """A dataclass as a JSON-ready dict; datetimes become UTC ISO strings."""
    if not is_dataclass(obj):
        raise StoreError(f"expected a store document, got {type(obj).__name__}")
    dts = datetime_fields(type(obj))
    doc: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.name in dts:
            value = dt_to_text(value, f"{type(obj).__name__}.{f.name}")
        doc[f.name] = value
    return doc


def from_doc(cls: type[T], doc: dict[str, Any]) -> T:
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    dts = datetime_fields(cls)
    data = {k: (text_to_dt(v) if k in dts else v) for k, v in doc.items() if k in names}
    return cls(**data)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return dt_to_text(value) if value.tzinfo else value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(",", ":"))


def jsonable(value: Any) -> Any:
    """Free-form dicts (labels, audit before/after) with datetimes turned into text."""
    return json.loads(dumps(value))
