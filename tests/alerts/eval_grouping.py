"""Grouping quality on the labeled corpus (not a test; a measurement).

Distinct labeled items should stay in separate events; synthetic reposts (comment
prefix, truncated copy, Traditional-script copy) should join their original's event.
Run: PYTHONPATH=. .venv/bin/python -m tests.alerts.eval_grouping
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import opencc

from alerts.events import EventGrouper
from store import Item, StoreConfig, open_store
from tests.alerts.support import NOW, Clock

COMMENTS = ["转发：太可怕了！", "扩散！", "//@某网友: 求关注 ", "气死了，", "【转】", ""]


def main(n_reposts: int = 100, seed: int = 7) -> None:
    rng = random.Random(seed)
    s2t = opencc.OpenCC("s2t")
    rows = [json.loads(line) for f in sorted(Path("nlp/data/labeled").glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    originals = [
        Item(id=f"o{n}", url=f"https://example.cn/o/{n}", source="s", source_type=r.get("form", "news"),
             title=r.get("title") or "", text=r["text"], relevant=True, category=r["category"], risk=r["risk"],
             published_at=NOW - timedelta(minutes=rng.randint(0, 4000)))
        for n, r in enumerate(rows) if r.get("relevant")
    ]
    reposts: dict[str, str] = {}
    items = list(originals)
    for o in rng.sample(originals, min(n_reposts, len(originals))):
        kind = rng.choice(["prefix", "cut", "traditional"])
        if kind == "prefix":
            text = rng.choice(COMMENTS) + o.text + " #关注#"
        elif kind == "cut":
            text = rng.choice(COMMENTS) + o.text[: max(30, int(len(o.text) * 0.6))]
        else:
            text = s2t.convert(o.text)
        r = Item(id=f"r-{o.id}", url=f"https://example.cn/r/{o.id}", source="weibo", source_type="weibo",
                 title=o.title if rng.random() < 0.5 else "", text=text, relevant=True,
                 category=o.category, risk=o.risk, published_at=o.published_at + timedelta(minutes=30))
        reposts[r.id] = o.id
        items.append(r)
    rng.shuffle(items)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(StoreConfig(sqlite_path=f"{tmp}/eval.db"))
        store.upsert_items(items)
        grouper = EventGrouper(store, clock=Clock(NOW + timedelta(hours=1)))
        start = time.perf_counter()
        for i in range(0, len(items), 50):
            grouper.group(items[i : i + 50])
        elapsed = time.perf_counter() - start
        store.close()
    by = {i.id: i.event_id for i in items}
    joined = sum(by[r] == by[o] for r, o in reposts.items())
    sizes = Counter(by[o.id] for o in originals)
    merged = sum(c for c in sizes.values() if c > 1)
    print(f"{len(originals)} labeled relevant items + {len(reposts)} reposts, batches of 50: {elapsed:.2f}s")
    print(f"reposts joined their original's event: {joined}/{len(reposts)}")
    print(f"labeled items sharing an event with another labeled item: {merged}/{len(originals)}")


if __name__ == "__main__":
    main()
