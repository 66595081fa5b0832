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
        # LSH at the threshold itself misses many pairs just above it (its S-curve), so it
        # proposes candidates at a lower bar and the exact shingle Jaccard decides.
        self._lsh = MinHashLSH(threshold=max(0.3, threshold - 0.25), num_perm=num_perm)
        self._sigs: dict[str, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def _signature(self, text: str) -> tuple[frozenset[str], MinHash] | None:
        norm = normalize_for_dedupe(text)
        if len(norm) < MIN_CHARS:
            return None
        grams = frozenset(shingles(norm))
        m = MinHash(num_perm=self.num_perm)
        m.update_batch([g.encode("utf-8") for g in grams])
        return grams, m

    def query(self, text: str) -> str | None:
        """The id of the most similar indexed item at or above the threshold, else None."""
        sig = self._signature(text)
        if sig is None:
            return None
        grams, m = sig
        best, best_sim = None, 0.0
        for key in self._lsh.query(m):
            other = self._sigs[key]
            sim = len(grams & other) / len(grams | other)
            if sim >= self.threshold and (sim > best_sim or (sim == best_sim and str(key) < str(best))):
                best, best_sim = key, sim
        return best

    def add(self, item_id: str, text: str) -> bool:
        if item_id in self._sigs:
            return False
        sig = self._signature(text)
        if sig is None:
            return False
        self._lsh.insert(item_id, sig[1])
        self._sigs[item_id] = sig[0]
        return True
