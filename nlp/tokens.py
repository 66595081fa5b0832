"""jieba word tokens with the domain user dictionary.

Segmentation runs on rjieba (jieba-rs: the jieba algorithm and dictionary in Rust,
about 13x faster here and 99% identical output on our data), which is what makes
>= 2,000 items/s on one core possible. When rjieba is missing, Python jieba is used.

`tokenize` is a module-level function so that vectorizers using it pickle; the
segmenter itself is built lazily once per process and never pickled.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

USERDICT = Path(__file__).resolve().parent / "data" / "userdict.txt"

_lock = threading.Lock()
_state: dict[str, object] = {}

# Tokens that carry no signal for the tasks; punctuation is dropped separately.
_STOP = frozenset(
    ["的", "了", "是", "在", "和", "也", "就", "都", "而", "及", "与", "着", "或", "一个",
     "这", "那", "之", "啊", "吧", "呢", "吗", "哦", "呀", "嘛", "么"]
)


def userdict_entries(path: Path = USERDICT) -> list[tuple[str, int | None, str | None]]:
    """(word, frequency, tag) lines of the user dictionary; '#' lines are comments."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        entries.append((parts[0], freq, tag))
    return entries


def _build() -> Callable[[str], list[str]]:
    entries = userdict_entries()
    try:
        import rjieba
    except ImportError:
        rjieba = None
    if rjieba is not None:
        seg = rjieba.Jieba()
        for word, freq, tag in entries:
            seg.add_word(word, freq, tag)
        return seg.cut
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for word, freq, tag in entries:
        tok.add_word(word, freq, tag)
    return tok.lcut


def get_cut() -> Callable[[str], list[str]]:
    """This process's segmentation function (user dictionary loaded)."""
    pid = os.getpid()
    cut = _state.get("cut")
    if cut is None or _state.get("pid") != pid:
        with _lock:
            cut = _state.get("cut")
            if cut is None or _state.get("pid") != pid:
                cut = _build()
                _state["cut"], _state["pid"] = cut, pid
    return cut  # type: ignore[return-value]


def tokenize(text: str) -> list[str]:
    """Words of a normalized text, without punctuation, spaces and stop words."""
    return [w for w in get_cut()(text) if w not in _STOP and any(ch.isalnum() for ch in w)]
