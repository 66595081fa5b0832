"""Opaque paging cursors: the last row's sort values, bound to the sort they came from."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from .base import StoreError


def _fingerprint(sort: list[tuple[str, str]]) -> str:
    return hashlib.sha1(json.dumps(sort).encode()).hexdigest()[:10]


def encode(sort: list[tuple[str, str]], values: list[Any]) -> str:
    raw = json.dumps({"s": _fingerprint(sort), "v": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, sort: list[tuple[str, str]], length: int) -> list[Any]:
    """The sort values inside `cursor`; StoreError when it is malformed or from another sort."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        values = data["v"]
        ok = data["s"] == _fingerprint(sort) and isinstance(values, list) and len(values) == length
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        ok = False
    if not ok:
        raise StoreError("invalid paging cursor: it is damaged or belongs to a different sort order; start from the first page")
    return values
