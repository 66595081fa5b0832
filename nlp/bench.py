"""Classification benchmark: throughput on one core, model size on disk, load time.

    python -m nlp.bench [--model-dir DIR] [--items 5000]

Figures are measured and printed, never asserted in tests (machines differ).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from nlp.data import load_labeled
from nlp.features import prepare
from nlp.registry import ModelRegistry

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_model_dir() -> Path:
    return Path(os.environ.get("YUQING_MODEL_DIR") or REPO_ROOT / "var" / "models")


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run(model_dir: str | Path | None = None, n_items: int = 5000) -> dict[str, Any]:
    """Measure and print; returns the figures. Trains the default model when none is active."""
    registry = ModelRegistry(model_dir or _default_model_dir())
    version = registry.ensure_active(lambda m: print(m, flush=True))
    items = load_labeled(strict=False)
    if not items:
        raise RuntimeError("no labeled data to build benchmark texts from")
    # Raw crawled-looking texts (titles, any script, emoji); repeated to n_items.
    texts = [items[i % len(items)]["text"] for i in range(max(n_items, 1))]
    titles = [items[i % len(items)].get("title") or "" for i in range(len(texts))]

    t0 = time.perf_counter()
    classifier = registry.load(version)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    classifier.predict(texts[:1], titles[:1])  # first call builds jieba's dictionary
    warmup_s = time.perf_counter() - t0

    with threadpool_limits(limits=1):
        t0 = time.perf_counter()
        prepare(texts, titles)
        normalize_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        preds = classifier.predict(texts, titles)
        total_s = time.perf_counter() - t0
    assert len(preds) == len(texts)
    chars = sum(len(t) + len(h) for t, h in zip(texts, titles, strict=True))
    result = {
        "model_version": version,
        "items": len(texts),
        "avg_chars": round(chars / len(texts), 1),
        "items_per_s": round(len(texts) / total_s, 1),
        "seconds": round(total_s, 3),
        "normalize_share": round(normalize_s / total_s, 3),
        "model_bytes": _dir_size(registry.versions_dir / version),
        "load_s": round(load_s, 3),
        "first_predict_s": round(warmup_s, 3),
        "target_items_per_s": 2000,
    }
    print(
        f"classified {result['items']} items (avg {result['avg_chars']} chars) in {total_s:.2f}s on one core: "
        f"{result['items_per_s']:.0f} items/s (target >= 2000); normalization {normalize_s:.2f}s of it\n"
        f"model {version}: {result['model_bytes'] / 1e6:.1f} MB on disk, load {load_s:.2f}s, "
        f"first prediction (jieba dictionary) {warmup_s:.2f}s",
        flush=True,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.bench")
    parser.add_argument("--model-dir", help="model registry directory (default $YUQING_MODEL_DIR or var/models)")
    parser.add_argument("--items", type=int, default=5000)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.model_dir, args.items), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
