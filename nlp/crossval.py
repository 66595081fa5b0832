"""Cross-validation on the training split: how model parameters are chosen.

    python -m nlp.crossval                      # default parameters, folds grouped by writer
    python -m nlp.crossval --random '{"C": {"risk": 2.0}}' '{"features": {"lexicon_weight": 0.2}}'

Never reads the held-out split or the independent check set. Each argument is a JSON
object of parameters merged into the defaults (nested dicts merge one level deep).

Folds grouped by writer keep every writer's items on one side: the figure then says
how well the model carries over to posts written by somebody else, which is what the
service meets. Random folds put each writer on both sides and reward that writer's
habits. An item's writer is the prefix of its id ("c-0412" -> "c").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from nlp.data import _bucket, load_labeled, split, split_key
from nlp.evaluate import headline
from nlp.model import DEFAULT_PARAMS, Classifier, train_bundle

FIGURES = ("relevance_f1", "category_macro_f1", "risk_ge2_f1", "risk3_recall_ge2", "rumor_f1")


def writer_of(item: dict[str, Any]) -> str:
    return str(item.get("id") or "").split("-", 1)[0]


def writer_folds(items: Sequence[dict[str, Any]], k: int = 3) -> list[int]:
    """Fold of each item; all items of one writer share a fold. Largest writers are
    placed first, each in the currently smallest fold, so folds come out even."""
    sizes: dict[str, int] = {}
    for it in items:
        sizes[writer_of(it)] = sizes.get(writer_of(it), 0) + 1
    load = [0] * k
    fold_of: dict[str, int] = {}
    for writer, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        f = load.index(min(load))
        fold_of[writer] = f
        load[f] += n
    return [fold_of[writer_of(it)] for it in items]


def random_folds(items: Sequence[dict[str, Any]], k: int = 3) -> list[int]:
    """Fold by a hash of the text (a copy stays with its original)."""
    return [int(_bucket("cv" + split_key(it)) * k) for it in items]


def merge_params(override: dict[str, Any]) -> dict[str, Any]:
    out = {key: (dict(v) if isinstance(v, dict) else v) for key, v in DEFAULT_PARAMS.items()}
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = out[key] | value
        else:
            out[key] = value
    return out


def cross_validate(
    items: Sequence[dict[str, Any]], params: dict[str, Any], folds: Sequence[int]
) -> dict[str, Any]:
    """Mean of each headline figure over the folds, and risk >= 2 F1 per fold."""
    per_fold = []
    for k in sorted(set(folds)):
        train = [it for it, f in zip(items, folds, strict=True) if f != k]
        test = [it for it, f in zip(items, folds, strict=True) if f == k]
        clf = Classifier(train_bundle(train, params))
        preds = clf.predict([it["text"] for it in test], [it.get("title") or "" for it in test])
        per_fold.append(headline(test, preds))
    return {
        **{f: float(np.mean([h[f] for h in per_fold if h[f] is not None])) for f in FIGURES},
        "risk_ge2_f1_per_fold": [round(h["risk_ge2_f1"], 3) for h in per_fold],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="cross-validation on the training split")
    ap.add_argument("params", nargs="*", help="JSON objects of parameters to try (default: {})")
    ap.add_argument("--random", action="store_true", help="random folds instead of folds by writer")
    ap.add_argument("--folds", type=int, default=3)
    args = ap.parse_args(argv)
    try:
        overrides = [json.loads(p) for p in args.params] or [{}]
    except json.JSONDecodeError as exc:
        print(f"parameters must be JSON objects: {exc}", file=sys.stderr)
        return 2
    train, _ = split(load_labeled(strict=False))
    folds = random_folds(train, args.folds) if args.random else writer_folds(train, args.folds)
    kind = "random" if args.random else "by writer"
    print(f"{len(train)} training items, {args.folds} folds {kind}")
    for override in overrides:
        t0 = time.perf_counter()
        r = cross_validate(train, merge_params(override), folds)
        print(
            f"{json.dumps(override, ensure_ascii=False)}: relevance {r['relevance_f1']:.3f}  "
            f"category {r['category_macro_f1']:.3f}  risk>=2 {r['risk_ge2_f1']:.3f} "
            f"{r['risk_ge2_f1_per_fold']}  risk-3 recall {r['risk3_recall_ge2']:.3f}  "
            f"rumor {r['rumor_f1']:.3f}  ({time.perf_counter() - t0:.0f}s)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
