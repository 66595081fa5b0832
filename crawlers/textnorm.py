"""Text normalization for duplicate detection and the script (简/繁) of an item."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_URL_RE = re.compile(r"https?://\S+")
_MENTION_RE = re.compile(r"@[\w\u4e00-\u9fff-]{1,30}")
_REPOST_RE = re.compile(r"(转发微博|轉發微博|//)")


@lru_cache(maxsize=2)
def _converter(config: str):  # noqa: ANN202 - opencc has no type hints
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text) if text else text


def normalize_for_dedupe(text: str) -> str:
    """Only the words: NFKC, Simplified, lower case; URLs, @mentions, spaces and punctuation gone.

    Reposts of one story differ in exactly these things, so hashes and shingles of the
    normalized text match across them.
    """
    t = unicodedata.normalize("NFKC", text or "")
    t = _URL_RE.sub(" ", t)
    t = _MENTION_RE.sub(" ", t)
    t = _REPOST_RE.sub(" ", t)
    t = to_simplified(t).lower()
    return "".join(ch for ch in t if unicodedata.category(ch)[0] in ("L", "N"))


def detect_script(text: str) -> str:
    """'traditional' when converting to Simplified changes a noticeable share of the Han characters."""
    try:  # the nlp package owns this; fall back when it is not there
        from nlp.normalize import detect_script as nlp_detect

        return nlp_detect(text)
    except Exception:  # noqa: BLE001 - any missing piece means: use our own check
        pass
    han = [ch for ch in text or "" if "\u4e00" <= ch <= "\u9fff"]
    if not han:
        return "simplified"
    sample = "".join(han[:2000])
    changed = sum(1 for a, b in zip(sample, to_simplified(sample), strict=False) if a != b)
    return "traditional" if changed >= max(2, len(sample) * 0.03) else "simplified"
