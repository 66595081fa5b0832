"""Making crawled text safe for alert titles, email subjects and plain-text bodies.

Crawled text is hostile: it may carry control characters, bidi overrides that flip
what a reader sees, or CR/LF meant to inject mail headers. HTML escaping happens
where HTML is built (alerts.digest / alerts.notify); this module only cleans text.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# C0/C1 controls except tab and newline, plus zero-width and bidi formatting characters
# that can disguise text (e.g. U+202E RIGHT-TO-LEFT OVERRIDE).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"\s+")


def clean_text(value: object, limit: int = 500) -> str:
    """Plain text without control characters, capped at `limit` characters."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    text = _UNSAFE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return truncate(text.strip(), limit)


def clean_line(value: object, limit: int = 200) -> str:
    """One line of text: any whitespace run (including newlines) becomes one space."""
    text = _UNSAFE.sub("", unicodedata.normalize("NFC", "" if value is None else str(value)))
    return truncate(_SPACES.sub(" ", text).strip(), limit)


def clean_subject(value: object, limit: int = 120) -> str:
    """A mail subject: one line, so CR/LF can never start a new header."""
    return clean_line(value, limit)


def truncate(text: str, limit: int) -> str:
    if limit <= 0 or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def safe_url(url: object) -> str | None:
    """The URL when it is plain http(s), else None (no javascript:, data:, mailto: links)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if _UNSAFE.search(url) or any(c.isspace() for c in url) or len(url) > 2000:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url
