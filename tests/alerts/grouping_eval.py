"""Measuring event grouping on the labeled pairs (tests/alerts/grouping_pairs.py).

Two measurements, both through EventGrouper on a real SQLite store:
- per pair: report a is grouped, report b arrives `hours` later in a second batch;
  "same event" is predicted when b joins a's event;
- corpus: every report of every pair in one store, arriving in time order in batches;
  pairwise precision/recall over all report pairs (truth: same incident).
Run: PYTHONPATH=. .venv/bin/python -m tests.alerts.grouping_eval
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from datetime import timedelta

from alerts.events import EventGrouper
from store import Item, StoreConfig, open_store
from tests.alerts.grouping_pairs import DIFFERENT, SAME, Pair
from tests.alerts.support import NOW, Clock, make_item


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    def __str__(self) -> str:
        return (f"precision {self.precision:.3f} recall {self.recall:.3f} "
                f"(tp {self.tp} fp {self.fp} fn {self.fn} tn {self.tn})")


def _items(pair: Pair, start) -> tuple[Item, Item]:
    category, (ta, xa), (tb, xb), hours = pair
    a = make_item(ta, xa, category=category, risk=2, published=start)
    b = make_item(tb, xb, category=category, risk=2, published=start + timedelta(hours=hours),
                  source="news-b")
    return a, b


def per_pair(tmp_dir: str, **grouper_kw) -> tuple[Counts, list[str]]:
    """Each labeled pair alone in a fresh store; returns counts and the misjudged titles."""
    counts, wrong = Counts(), []
    for n, (pair, truth) in enumerate([(p, True) for p in SAME] + [(p, False) for p in DIFFERENT]):
        start = NOW - timedelta(days=3)
        a, b = _items(pair, start)
        store = open_store(StoreConfig(sqlite_path=f"{tmp_dir}/pair{n}.db"))
        try:
            clock = Clock(a.published_at + timedelta(minutes=5))
            grouper = EventGrouper(store, clock=clock, **grouper_kw)
            store.upsert_items([a])
            grouper.group([a])
            clock.now = b.published_at + timedelta(minutes=5)
            store.upsert_items([b])
            grouper.group([b])
        finally:
            store.close()
        predicted = a.event_id == b.event_id
        counts.add(truth, predicted)
        if predicted != truth:
            wrong.append(f"{'SAME' if truth else 'DIFF'}: {pair[1][0]} | {pair[2][0]}")
    return counts, wrong


def corpus(tmp_dir: str, batch: int = 10, wrong: list[str] | None = None, **grouper_kw) -> Counts:
    """All reports in one store; incidents are identified by the first report's title.

    Pairs judged wrongly are appended to `wrong` when given."""
    incident_of: dict[str, int] = {}
    items: list[tuple[Item, int]] = []
    for n, pair in enumerate(SAME):
        incident_of[pair[1][0]] = n
        a, b = _items(pair, NOW - timedelta(days=3, hours=-(n * 37 % 48)))
        items += [(a, n), (b, n)]
    for n, pair in enumerate(DIFFERENT):
        base = next(i for i in items if i[0].title == pair[1][0])[0].published_at
        _, b = _items(pair, base)
        items.append((b, len(SAME) + n))  # a new incident
    items.sort(key=lambda t: t[0].published_at)
    store = open_store(StoreConfig(sqlite_path=f"{tmp_dir}/corpus.db"))
    try:
        clock = Clock(items[0][0].published_at)
        grouper = EventGrouper(store, clock=clock, **grouper_kw)
        for i in range(0, len(items), batch):
            chunk = [it for it, _ in items[i : i + batch]]
            clock.now = chunk[-1].published_at + timedelta(minutes=5)
            store.upsert_items(chunk)
            grouper.group(chunk)
    finally:
        store.close()
    counts = Counts()
    for (x, ix), (y, iy) in itertools.combinations(items, 2):
        counts.add(ix == iy, x.event_id == y.event_id)
        if wrong is not None and (ix == iy) != (x.event_id == y.event_id):
            wrong.append(f"{'SAME' if ix == iy else 'DIFF'}: {x.title} | {y.title}")
    return counts


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        counts, wrong = per_pair(tmp)
        print(f"labeled pairs ({len(SAME)} same, {len(DIFFERENT)} different): {counts}")
        for line in wrong:
            print("  wrong", line)
        wrong = []
        print(f"corpus, all report pairs: {corpus(tmp, wrong=wrong)}")
        for line in wrong:
            print("  wrong", line)


if __name__ == "__main__":
    main()
