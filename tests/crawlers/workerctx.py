"""Context factories for the pipeline worker tests (loaded by dotted path in the worker process).

`faulty_context`: the real SQLiteStore of crawlctx, except that it refuses any write that
contains an item whose URL has "poison" in it (a store error for that item, as a
disk or mapping error would give). `broken_context`: the factory itself fails.
"""

from __future__ import annotations

from typing import Any

from crawlctx import make_context

from crawlers.context import CrawlContext
from store import StoreError
from store.sqlite_store import SQLiteStore


class PoisonRefusingStore(SQLiteStore):
    def upsert_items(self, items: Any) -> int:
        batch = list(items)
        if any("poison" in i.url for i in batch):
            raise StoreError("refused: poison item in the write")
        return super().upsert_items(batch)


def faulty_context(settings: Any) -> CrawlContext:
    ctx = make_context(settings)
    ctx.store.close()
    store = PoisonRefusingStore(settings.get("YUQING_TEST_DB"))
    store.setup()
    ctx.store = store
    return ctx


def broken_context(settings: Any) -> CrawlContext:
    raise RuntimeError("no model here")
