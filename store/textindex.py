"""Search terms for Chinese text, shared by both backends so they match the same way.

Text is normalized (Traditional -> Simplified with OpenCC, NFKC for full-width forms,
lower case) and indexed twice: as jieba search-mode words and as character n-grams
(single CJK characters and bigrams, Latin/digit runs whole). A query matches when all
its words are present or all its n-grams are, so a query still finds text that jieba
segmented differently (e.g. "市长" inside "南京市长江大桥").

SQLite indexes both lists in FTS5. Elasticsearch indexes the words and the normalized text
(`document_text`) and makes the same n-grams itself with the cjk_bigram token filter.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import jieba
import opencc

_converter = opencc.OpenCC("t2s")
# OpenCC's converter object is not documented as thread-safe; the store is shared by threads.
_converter_lock = threading.Lock()

# CJK ideographs (BMP blocks and extension A..) vs. runs of letters/digits in other scripts.
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
_WORDISH = re.compile(rf"[{_CJK}]|[^\W_]")


def normalize(text: str) -> str:
    """Simplified, half-width, lower-case form used for indexing and querying."""
    if not text:
        return ""
    with _converter_lock:
        simplified = _converter.convert(text)
    return unicodedata.normalize("NFKC", simplified).lower()


def words(text: str) -> list[str]:
    """jieba search-mode tokens of already normalized text, punctuation dropped."""
    out: list[str] = []
    for tok in jieba.cut_for_search(text):
        tok = tok.strip()
        if tok and _WORDISH.search(tok):
            out.append(tok)
    return out


def grams(text: str, *, query: bool = False) -> list[str]:
    """Character n-grams of already normalized text.

    Indexing emits every CJK character and every CJK bigram; a query uses only its
    bigrams (or the single character when a CJK run is one character long), so a
    query of two or more characters must match consecutively.
    """
    out: list[str] = []
    for cjk, other in _RUN.findall(text):
        if other:
            out.append(other)
            continue
        if len(cjk) == 1:
            out.append(cjk)
            continue
        if not query:
            out.extend(cjk)
        out.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
    return out


def document_text(title: str | None, text: str | None) -> str:
    """Normalized title and body of a document, one per line."""
    return normalize(f"{title or ''}\n{text or ''}")


def index_terms(title: str, text: str) -> tuple[str, str]:
    """(space-joined words, space-joined n-grams) for a document's title and body."""
    norm = document_text(title, text)
    return " ".join(words(norm)), " ".join(grams(norm))


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """(distinct words, distinct n-grams) of a user query; both empty when nothing searchable."""
    norm = normalize(query)
    return _distinct(words(norm)), _distinct(grams(norm, query=True))


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
