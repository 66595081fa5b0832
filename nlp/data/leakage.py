"""Near copies across two item sets: the check that keeps held-out figures honest.

The split hashes each item's normalized text, so an exact copy (or its Traditional
version) always lands on the same side. A reworded copy does not: if a training item
and a held-out item say nearly the same thing, the held-out figure measures memory,
not generalization. This finds such pairs by the Jaccard similarity of character
3-grams, with MinHash LSH to avoid comparing every pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from datasketch import MinHash, MinHashLSH

from nlp.data import split_key

SHINGLE = 3
# Pairs at or above this share most of their wording. Measured on the packaged data:
# no train/held-out pair reaches 0.5; the closest distinct items (two court notices
# about the same kind of case) are at 0.42.
DEFAULT_THRESHOLD = 0.5
_PERMUTATIONS = 64


@dataclass(frozen=True)
class NearCopy:
    left_id: str
    right_id: str
    similarity: float


def _shingles(text: str) -> set[str]:
    if len(text) <= SHINGLE:
        return {text}
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def _minhash(shingles: set[str]) -> MinHash:
    m = MinHash(num_perm=_PERMUTATIONS)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


def near_copies(
    left: Sequence[dict[str, Any]],
    right: Sequence[dict[str, Any]],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[NearCopy]:
    """Every (left, right) pair whose normalized texts have 3-gram Jaccard >= threshold.

    LSH only proposes candidates (it can miss a few pairs near the threshold and
    proposes extra ones); the exact Jaccard of each candidate decides.
    """
    left_sh = [_shingles(split_key(it)) for it in left]
    right_sh = [_shingles(split_key(it)) for it in right]
    # A lower LSH threshold than the exact one: fewer pairs slip through the banding.
    lsh = MinHashLSH(threshold=max(threshold - 0.15, 0.1), num_perm=_PERMUTATIONS)
    for j, sh in enumerate(right_sh):
        lsh.insert(str(j), _minhash(sh))
    found: list[NearCopy] = []
    for i, sh in enumerate(left_sh):
        for key in lsh.query(_minhash(sh)):
            other = right_sh[int(key)]
            jaccard = len(sh & other) / len(sh | other)
            if jaccard >= threshold:
                found.append(
                    NearCopy(str(left[i].get("id", i)), str(right[int(key)].get("id", key)), round(jaccard, 3))
                )
    return sorted(found, key=lambda p: -p.similarity)
