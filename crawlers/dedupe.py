"""Exact duplicates by content hash, near duplicates by MinHash LSH over character shingles."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from .textnorm import normalize_for_dedupe

SHINGLE = 3  # Chinese has no spaces: character 3-grams carry the wording
MIN_CHARS = 20  # below this, reposts differ too little to tell from chance overlap


@lru_cache(maxsize=256)
def _normalized(text: str) -> str:
    # The pipeline hashes an item's text and then shingles the same text: normalizing is a
    # per-character pass, so the second caller takes the first one's result.
    return normalize_for_dedupe(text)


def content_hash(text: str) -> str | None:
    """Hash of the normalized text; None when there is no text to compare."""
    norm = _normalized(text or "")
    if not norm:
        return None
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


def shingles(norm: str, k: int = SHINGLE) -> set[str]:
    if len(norm) <= k:
        return {norm} if norm else set()
    return {norm[i : i + k] for i in range(len(norm) - k + 1)}


@lru_cache(maxsize=4)
def _permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    # MinHash draws its 2 x num_perm permutation parameters from a seeded generator in
    # every constructor (most of its cost); they depend on (num_perm, seed) only.
    a, b = MinHash(num_perm=num_perm, seed=seed).permutations
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


class Signature:
    """The shingles and MinHash of one text, computed once for query and add."""

    __slots__ = ("grams", "minhash")

    def __init__(self, grams: frozenset[str], minhash: MinHash):
        self.grams, self.minhash = grams, minhash


class NearDuplicateIndex:
    """Which known item (if any) a new text is a near copy of (Jaccard >= threshold)."""

    def __init__(self, threshold: float = 0.8, num_perm: int = 128):
        self.threshold, self.num_perm = threshold, num_perm
        # LSH at the threshold itself misses many pairs just above it (its S-curve), so it
        # proposes candidates at a lower bar and the exact shingle Jaccard decides.
        self._lsh = MinHashLSH(threshold=max(0.3, threshold - 0.25), num_perm=num_perm)
        self._sigs: dict[str, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def signature(self, text: str) -> Signature | None:
        """None when the text is too short to judge."""
        norm = _normalized(text or "")
        if len(norm) < MIN_CHARS:
            return None
        grams = frozenset(shingles(norm))
        m = MinHash(num_perm=self.num_perm, permutations=_permutations(self.num_perm))
        m.update_batch([g.encode("utf-8") for g in grams])
        return Signature(grams, m)

    def query(self, text: str | Signature | None) -> str | None:
        """The id of the most similar indexed item at or above the threshold, else None."""
        sig = text if isinstance(text, Signature) or text is None else self.signature(text)
        if sig is None:
            return None
        grams = sig.grams
        best, best_sim = None, 0.0
        for key in self._lsh.query(sig.minhash):
            other = self._sigs[key]
            sim = len(grams & other) / len(grams | other)
            if sim >= self.threshold and (sim > best_sim or (sim == best_sim and str(key) < str(best))):
                best, best_sim = key, sim
        return best

    def add(self, item_id: str, text: str | Signature | None) -> bool:
        if item_id in self._sigs:
            return False
        sig = text if isinstance(text, Signature) or text is None else self.signature(text)
        if sig is None:
            return False
        self._lsh.insert(item_id, sig.minhash)
        self._sigs[item_id] = sig.grams
        return True
