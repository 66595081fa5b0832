"""jieba word tokens with the domain user dictionary.

`tokenize` is a module-level function so that vectorizers using it pickle; the
jieba Tokenizer itself is built lazily once per process and never pickled.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import jieba

USERDICT = Path(__file__).resolve().parent / "data" / "userdict.txt"

_lock = threading.Lock()
_state: dict[str, object] = {}

# Tokens that carry no signal for the tasks; punctuation is dropped separately.
_STOP = frozenset(["的", "了", "是", "在", "和", "也", "就", "都", "而", "及", "与", "着", "或", "一个", "这", "那", "之", "啊", "吧", "呢", "吗", "哦", "呀", "嘛", "么"])


def _load_userdict(tok: jieba.Tokenizer, path: Path) -> None:
    # jieba's own load_userdict would take a '#' comment line for a word.
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        tok.add_word(parts[0], freq, tag)


def get_tokenizer() -> jieba.Tokenizer:
    """This process's jieba Tokenizer with the user dictionary loaded."""
    pid = os.getpid()
    tok = _state.get("tok")
    if tok is None or _state.get("pid") != pid:
        with _lock:
            tok = _state.get("tok")
            if tok is None or _state.get("pid") != pid:
                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                _load_userdict(tok, USERDICT)
                _state["tok"], _state["pid"] = tok, pid
    return tok  # type: ignore[return-value]


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def tokenize(text: str) -> list[str]:
    """Words of a normalized text, without punctuation, spaces and stop words."""
    words = get_tokenizer().lcut(text, HMM=True)
    return [w for w in words if w not in _STOP and _is_word(w)]
