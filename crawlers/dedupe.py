"""Exact duplicates by content hash, near duplicates by MinHash LSH over character shingles."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from .textnorm import normalize_for_dedupe

log = logging.getLogger(__name__)

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


class Deduper:
    """Links exact and near copies to their first copy (duplicate_of), in arrival order.

    Holds the content hashes and the near-duplicate index of one run: seeded on first use
    with recent stored originals, then every original it lets through is added, so copies
    of stored items and of items earlier in the same run are both found. It runs where the
    items are stored (the pipeline's worker process, or inline), off the crawl's core.
    """

    def __init__(self, store: Any, threshold: float = 0.8, seed_days: int = 7, seed_max: int = 2000):
        self.store = store
        self.index = NearDuplicateIndex(threshold=threshold)
        self.seed_days, self.seed_max = seed_days, seed_max
        self.hashes: dict[str, str] = {}  # content hash -> first id seen
        self.seeded = False

    @classmethod
    def from_settings(cls, store: Any, settings: Any) -> Deduper:
        """Threshold and seeding from Scrapy settings (an object with getfloat/getint, or a dict)."""
        def get(name: str, default: float) -> Any:
            value = settings.get(name)
            return default if value is None or value == "" else value

        return cls(store, threshold=float(get("YUQING_NEAR_DUP_THRESHOLD", 0.8)),
                   seed_days=int(get("YUQING_NEAR_DUP_SEED_DAYS", 7)),
                   seed_max=int(get("YUQING_NEAR_DUP_SEED_MAX", 2000)))

    def seed(self) -> int:
        """Index recent stored originals (any source); an empty or odd store is no error."""
        from store import ItemQuery

        self.seeded = True
        since = datetime.now(UTC) - timedelta(days=self.seed_days)
        cursor, loaded = None, 0
        started = time.monotonic()
        try:
            while loaded < self.seed_max:
                # newest fetched first; published dates can be old, so filter on fetched_at here
                page = self.store.search_items(ItemQuery(size=min(500, self.seed_max - loaded),
                                                         cursor=cursor, sort=[("fetched_at", "desc")]))
                if page.items and page.items[-1].fetched_at < since:
                    page.items = [i for i in page.items if i.fetched_at >= since]
                    page.next_cursor = None
                for it in page.items:
                    self.index.add(it.id, it.text)
                    if it.content_hash:
                        self.hashes.setdefault(it.content_hash, it.id)
                loaded += len(page.items)
                cursor = page.next_cursor
                if not cursor or not page.items:
                    break
        except Exception as exc:  # noqa: BLE001 - crawling goes on with an unseeded index
            log.warning("near-duplicate index not seeded: %s", exc)
        log.info("near-duplicate index seeded with %d items in %.2fs", loaded, time.monotonic() - started)
        return loaded

    def mark(self, items: list[Any]) -> tuple[int, int]:
        """Set content_hash and duplicate_of on the items in place; (exact, near) counts.
        Items that already point at a first copy are left as they are."""
        if not self.seeded:
            self.seed()
        exact = near = 0
        for item in items:
            if item.content_hash is None:
                item.content_hash = content_hash(item.text or item.title)
            if item.duplicate_of:
                continue
            original = None
            if item.content_hash:
                original = self.hashes.get(item.content_hash)
                if original is None:
                    try:
                        found = self.store.find_by_content_hash(item.content_hash)
                    except Exception as exc:  # noqa: BLE001 - without the lookup it may be stored as new
                        log.warning("find_by_content_hash failed: %s", exc)
                        found = None
                    if found is not None and found.id != item.id:
                        # a stored copy may itself be a duplicate: link to the first copy
                        original = found.duplicate_of or found.id
            if original is not None and original != item.id:
                item.duplicate_of = original
                exact += 1
                continue
            sig = self.index.signature(item.text)  # once, for both the query and the add
            similar = self.index.query(sig)
            if similar is not None and similar != item.id:
                item.duplicate_of = similar
                near += 1
                continue
            if item.content_hash:
                self.hashes.setdefault(item.content_hash, item.id)
            self.index.add(item.id, sig)
        return exact, near
