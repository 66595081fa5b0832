"""Exact duplicates by content hash, near duplicates by MinHash LSH over character shingles."""

from __future__ import annotations

import hashlib

from datasketch import MinHash, MinHashLSH

from .textnorm import normalize_for_dedupe

SHINGLE = 3  # Chinese has no spaces: character 3-grams carry the wording
MIN_CHARS = 20  # below this, reposts differ too little to tell from chance overlap


def content_hash(text: str) -> str | None:
    """Hash of the normalized text; None when there is no text to compare."""
    norm = normalize_for_dedupe(text)
    if not norm:
        return None
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


def shingles(norm: str, k: int = SHINGLE) -> set[str]:
    if len(norm) <= k:
        return {norm} if norm else set()
    return {norm[i : i + k] for i in range(len(norm) - k + 1)}


class NearDuplicateIndex:
    """Which known item (if any) a new text is a near copy of (Jaccard >= threshold)."""

    def __init__(self, threshold: float = 0.8, num_perm: int = 128):
        self.threshold, self.num_perm = threshold, num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._sigs: dict[str, MinHash] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def _minhash(self, norm: str) -> MinHash | None:
        if len(norm) < MIN_CHARS:
            return None
        m = MinHash(num_perm=self.num_perm)
        m.update_batch([s.encode("utf-8") for s in shingles(norm)])
        return m

    def query(self, text: str) -> str | None:
        """The id of the most similar indexed item above the threshold, else None."""
        m = self._minhash(normalize_for_dedupe(text))
        if m is None:
            return None
        best, best_sim = None, 0.0
        for key in self._lsh.query(m):
            sim = m.jaccard(self._sigs[key])
            # LSH returns candidates; keep only those really above the threshold
            if sim >= self.threshold and (sim > best_sim or (sim == best_sim and str(key) < str(best))):
                best, best_sim = key, sim
        return best

    def add(self, item_id: str, text: str) -> bool:
        if item_id in self._sigs:
            return False
        m = self._minhash(normalize_for_dedupe(text))
        if m is None:
            return False
        self._lsh.insert(item_id, m)
        self._sigs[item_id] = m
        return True
