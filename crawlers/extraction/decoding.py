"""Page bytes -> text.

Order: an explicit override (source config), the BOM, the HTTP Content-Type, the HTML
meta charset, then detection. w3lib maps gb2312/gbk to gb18030 (a superset: pages
labelled gb2312 routinely use GBK-only characters) and big5 to big5hkscs.
"""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, resolve_encoding

__all__ = ["decode_html", "detect_encoding"]

# A page that declares one charset but is really another decodes into many U+FFFD;
# above this share we distrust the declaration and detect instead.
_MAX_REPLACEMENT_SHARE = 0.01
# The most frequent Simplified and Traditional characters, to tell a GB page from a
# Big5 page when both decodings are byte-valid.
_SIMPLIFIED_COMMON = set("的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会")
_TRADITIONAL_COMMON = set("的一是了我不人在他有這個上們來到時大地為子中你說生國年著就那和要她出也得裡後自以會")
_HEADER_CHARSET = re.compile(r"charset=\s*[\"']?([\w-]+)", re.I)


def _decodes(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def detect_encoding(data: bytes) -> str | None:
    """Guess the charset of undeclared bytes: UTF-8 if strictly valid, otherwise the
    Chinese legacy charset whose decoding looks most like real Chinese text."""
    sample = data[:200_000]
    # a cut in the middle of a multi-byte character must not rule UTF-8 out
    if _decodes(sample, "utf-8") is not None or _decodes(sample[:-3], "utf-8") is not None:
        return "utf-8"
    candidates: list[tuple[int, str]] = []
    for enc, common in (("gb18030", _SIMPLIFIED_COMMON), ("big5hkscs", _TRADITIONAL_COMMON)):
        text = sample.decode(enc, errors="replace")
        score = sum(1 for ch in text if ch in common) - 5 * text.count("\ufffd")
        candidates.append((score, enc))
    best_score, best = max(candidates)
    if best_score > 0:
        return best
    try:  # not Chinese after all: let charset-normalizer (a requests dependency) guess
        from charset_normalizer import from_bytes

        match = from_bytes(sample).best()
        return match.encoding if match else None
    except Exception:  # detection is a best effort; the caller falls back to UTF-8
        return None


def _normalize_name(name: str | None) -> str | None:
    if not name:
        return None
    return resolve_encoding(name.strip().strip("'\"")) or None


def decode_html(
    data: bytes | str, encoding: str | None = None, content_type: str | None = None
) -> tuple[str, str]:
    """Return (text, encoding used). Bad bytes become U+FFFD rather than losing the page;
    an unknown override is a ValueError (a configuration mistake)."""
    if isinstance(data, str):
        return data, "unicode"
    if encoding:
        override = _normalize_name(encoding)
        try:
            codecs.lookup(override or "")
        except LookupError as exc:
            raise ValueError(f"unknown encoding override {encoding!r}") from exc
        return data.decode(override, errors="replace").removeprefix("\ufeff"), override
    enc, text = html_to_unicode(content_type, data, default_encoding="utf-8",
                                auto_detect_fun=detect_encoding)
    header = _HEADER_CHARSET.search(content_type or "")
    declared = html_body_declared_encoding(data) or (header.group(1) if header else None)
    if declared and text and text.count("\ufffd") / len(text) > _MAX_REPLACEMENT_SHARE:
        # The declaration lies (seen on mirrored pages): detect from the bytes instead.
        guessed = detect_encoding(data)
        if guessed and guessed != enc:
            other = data.decode(guessed, errors="replace")
            if other.count("\ufffd") < text.count("\ufffd"):
                enc, text = guessed, other
    return text, enc
