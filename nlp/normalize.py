"""Text normalization shared by training and prediction.

Crawled posts mix scripts, full-width letters, emoji, URLs, @mentions and #话题#.
Everything the models see goes through `normalize_text` so that a Traditional
Weibo repost and its Simplified original produce the same features.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Literal

import opencc

Script = Literal["simplified", "traditional"]

# OpenCC converters are C++ objects: build one per process (after a fork the
# parent's object is not reused) and never pickle them.
_lock = threading.Lock()
_converters: dict[str, tuple[int, opencc.OpenCC]] = {}


def _converter(config: str) -> opencc.OpenCC:
    pid = os.getpid()
    entry = _converters.get(config)
    if entry is None or entry[0] != pid:
        with _lock:
            entry = _converters.get(config)
            if entry is None or entry[0] != pid:
                entry = (pid, opencc.OpenCC(config))
                _converters[config] = entry
    return entry[1]


_T2S_CHANGES: dict[str, bool] = {}


def _t2s_changes(ch: str) -> bool:
    v = _T2S_CHANGES.get(ch)
    if v is None:
        v = _T2S_CHANGES[ch] = _converter("t2s").convert(ch) != ch
    return v


def to_simplified(text: str) -> str:
    """Traditional -> Simplified (OpenCC t2s, phrase aware: 幹部 -> 干部, 乾淨 -> 干净)."""
    if not text:
        return ""
    # Most posts are Simplified already: when no character would change, skip the
    # conversion (half of the normalization time on Simplified text).
    if not any(_t2s_changes(ch) for ch in set(text) if ch >= "\u3400"):
        return text
    return _converter("t2s").convert(text)


# Per character: +1 Traditional-only, -1 Simplified-only, 0 shared. Filled lazily;
# looking characters up is far cheaper than two whole-text conversions per item.
_CHAR_SCRIPT: dict[str, int] = {}


def _char_script(ch: str) -> int:
    v = _CHAR_SCRIPT.get(ch)
    if v is None:
        trad = _converter("t2s").convert(ch) != ch
        simp = _converter("s2t").convert(ch) != ch
        v = 1 if trad and not simp else -1 if simp and not trad else 0
        _CHAR_SCRIPT[ch] = v
    return v


def detect_script(text: str) -> Script:
    """'traditional' when distinct Traditional-only characters are at least as many as
    Simplified-only ones (and there is at least one)."""
    if not text:
        return "simplified"
    score = trad = 0
    for ch in set(text):
        if ch >= "\u3400":
            v = _char_script(ch)
            score += v
            trad += v > 0
    return "traditional" if trad and score >= 0 else "simplified"


# Full-width ASCII (U+FF01..U+FF5E) maps to ASCII by a fixed offset. Chinese
# punctuation that is conventionally full-width stays, so '！！！' keeps its look.
_KEEP_FULLWIDTH = set("！，：；？（）")
_FULLWIDTH_TABLE = {
    cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULLWIDTH
}
_FULLWIDTH_TABLE[0x3000] = 0x20  # ideographic space


def to_halfwidth(text: str) -> str:
    """Full-width letters, digits and ASCII symbols -> half-width."""
    return text.translate(_FULLWIDTH_TABLE)


_URL_RE = re.compile(
    r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
    r"|\b(?:t\.cn|dwz\.cn|url\.cn)/[A-Za-z0-9]+",
    re.IGNORECASE,
)
# A mention ends at whitespace, punctuation or a colon. The look-behind keeps
# e-mail addresses (name@host) from being taken for mentions.
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9._%+\-])@[\w\-·]{1,30}")
_HASHTAG_RE = re.compile(r"#([^#\n]{1,60})#")
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
_CONTROL_RE = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")

# Emoji that carry an opinion become a word the models can learn from; the
# rest are dropped.
_EMOJI_WORDS = {
    "😭": " 哭 ", "😢": " 哭 ", "😿": " 哭 ",
    "😡": " 愤怒 ", "😠": " 愤怒 ", "🤬": " 愤怒 ", "💢": " 愤怒 ",
    "😱": " 震惊 ", "😨": " 害怕 ", "😰": " 害怕 ",
    "🙏": " 祈祷 ", "🕯": " 祈祷 ", "💔": " 心碎 ",
    "👍": " 点赞 ", "❤": " 爱心 ", "❤️": " 爱心 ", "😊": " 开心 ", "😄": " 开心 ",
    "🆘": " 求助 ", "‼": "！", "❗": "！", "❓": "？",
}
_EMOJI_WORD_RE = re.compile("|".join(sorted(map(re.escape, _EMOJI_WORDS), key=len, reverse=True)))
_EMOJI_RE = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, flags, symbols
    "\U00002600-\U000027bf"  # misc symbols and dingbats
    "\U00002b00-\U00002bff"  # arrows and stars used as emoji
    "\U0000fe0e\U0000fe0f"  # variation selectors
    "\U0000200d"  # zero-width joiner inside emoji sequences
    "\U000020e3"  # combining keycap
    "\U0001f3fb-\U0001f3ff"  # skin tones
    "]+"
)

# Punctuation runs collapse to one mark; other runs (哈哈哈哈, 啊啊啊啊) keep three.
# Digits are never squeezed: 100000 元 is a number, not emphasis.
_PUNCT = r"!！?？。.,，~～、…\-—_=*·"
_PUNCT_RUN_RE = re.compile(rf"([{_PUNCT}])\1+")
_CHAR_RUN_RE = re.compile(r"([^\d\s])\1{3,}")
_SPACE_RE = re.compile(r"\s+")


def strip_noise(text: str) -> str:
    """Remove URLs, @mentions, hashtag marks, emoji and control characters."""
    text = _ZERO_WIDTH_RE.sub("", text)
    text = _CONTROL_RE.sub(" ", text)
    text = _URL_RE.sub(" ", text)
    text = _MENTION_RE.sub(" ", text)
    text = _HASHTAG_RE.sub(r" \1 ", text)
    text = text.replace("#", " ")
    text = _EMOJI_WORD_RE.sub(lambda m: _EMOJI_WORDS[m.group(0)], text)
    return _EMOJI_RE.sub(" ", text)


def squeeze_repeats(text: str) -> str:
    """哈哈哈哈哈 -> 哈哈哈, ！！！！ -> ！ (emphasis, not content)."""
    text = _PUNCT_RUN_RE.sub(r"\1", text)
    return _CHAR_RUN_RE.sub(r"\1\1\1", text)


def normalize_text(text: str | None, *, simplify: bool = True) -> str:
    """The one normalization used before tokenizing, training and predicting."""
    if not text:
        return ""
    text = to_halfwidth(str(text))
    text = strip_noise(text)
    if simplify:
        text = to_simplified(text)
    text = squeeze_repeats(text)
    return _SPACE_RE.sub(" ", text).strip()
