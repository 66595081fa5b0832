"""Item pipeline: normalize -> deduplicate -> classify + store -> hand to alerts (in a worker process).

Spiders yield plain dicts; NormalizePipeline turns them into store.Item. Duplicates
(exact by content hash, near by MinHash LSH; found in the worker process beside
classify + store, crawlers.dedupe.Deduper) are stored pointing at the first copy
(duplicate_of, hidden from default searches) and raise its spread count; they are not
classified nor handed to alerts. Originals are classified in batches.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall

from store import Item, item_id_for

from .context import DEFAULT_FACTORY, get_context, run_urls
from .worker import BatchResult, StoreWorker, acquire, process_batch, release

if TYPE_CHECKING:
    from .dedupe import Deduper

log = logging.getLogger(__name__)
_SPACES_RE = re.compile(r"[ \t\u3000\xa0]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")
MAX_TEXT_CHARS = 100_000  # a page this long is not one post; keep the store small


def clean_text(text: str) -> str:
    text = _SPACES_RE.sub(" ", text.replace("\r", "\n"))
    text = _BLANK_LINES_RE.sub("\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()[:MAX_TEXT_CHARS]


class NormalizePipeline:
    """dict from a spider -> store.Item with id, cleaned text, fetched_at."""

    def process_item(self, item: Any, spider: Any = None) -> Item:
        if isinstance(item, Item):
            return item
        title = clean_text(item.get("title") or "").replace("\n", " ")
        text = clean_text(item.get("text") or "")
        if not text and not title:
            raise DropItem(f"no text at {item.get('url')}", log_level="INFO")
        native = item.get("native_id")
        source = item["source"]
        item_id = item_id_for(source=source, native_id=native) if native else item_id_for(item["url"])
        published = item.get("published_at")
        if isinstance(published, datetime) and published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        return Item(
            id=item_id, url=item["url"], source=source, source_type=item.get("source_type") or "web",
            title=title, text=text or title, author=(item.get("author") or None),
            published_at=published.astimezone(UTC) if isinstance(published, datetime) else None,
            fetched_at=datetime.now(UTC),
            reposts=item.get("reposts"), comments=item.get("comments"), likes=item.get("likes"),
        )  # script and content_hash: set where the item is stored (crawlers.worker.prepare, off this core)


class DedupePipeline:
    """Drops items seen twice in this run or already stored; remembers this run's URLs.

    The content hash and the exact / near-duplicate search (normalization, MinHash, LSH)
    run where the items are stored (crawlers.dedupe.Deduper, in the pipeline's worker
    process), so they use the second core instead of the crawl's. The canonical URLs of
    this run's items are kept here, in the crawl process, so the spiders' known-URL checks
    and paging stops see items that are still on their way to the store.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.seen_ids: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: Item, spider: Any = None) -> Item:
        if item.id in self.seen_ids:
            raise DropItem(f"same item twice in one run: {item.url}", log_level="DEBUG")
        self.seen_ids.add(item.id)
        run_urls(self.crawler).add(item.url)
        if get_context(self.crawler).store.get_item(item.id) is not None:
            self.crawler.stats.inc_value("yuqing/already_stored")
            raise DropItem(f"already stored: {item.url}", log_level="DEBUG")
        return item


class ClassifyStorePipeline:
    """Buffers items; per batch: classify originals, upsert all, raise spread, hand on.

    With YUQING_PIPELINE_WORKER = "process" (the default) the batches go to a worker
    process (crawlers.worker) so this work runs beside the crawl on another core;
    "inline" does it here, in the reactor. Buffers are flushed when full, on a timer
    (YUQING_BATCH_SECONDS) and at close; close waits until every batch is stored.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler
        s = crawler.settings
        self.batch_size = max(1, s.getint("YUQING_BATCH_SIZE", 32))
        self.batch_seconds = max(0.05, s.getfloat("YUQING_BATCH_SECONDS", 10.0))
        self.mode = (s.get("YUQING_PIPELINE_WORKER") or "process").lower()
        if self.mode not in ("process", "inline"):
            raise ValueError(f"YUQING_PIPELINE_WORKER must be 'process' or 'inline', got {self.mode!r}")
        self.buffer: list[Item] = []
        self.first_buffered = 0.0
        self.worker: StoreWorker | None = None
        self.deduper: Deduper | None = None
        self.key = f"{id(self):x}"
        self._timer: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ClassifyStorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        if self.mode == "process":
            s = self.crawler.settings
            try:
                self.worker = acquire(s.get("YUQING_CONTEXT_FACTORY") or DEFAULT_FACTORY, s.copy_to_dict(),
                                      self.key, self._on_result,
                                      max_batches=s.getint("YUQING_WORKER_QUEUE_BATCHES", 8))
            except Exception:  # e.g. no processes allowed here: do the work inline
                log.exception("cannot start the store worker process; classifying and storing inline")
                self.worker = None
        self._timer = LoopingCall(self._tick)
        self._timer.start(min(0.5, self.batch_seconds), now=False)

    def _tick(self) -> None:
        if self.buffer and time.monotonic() - self.first_buffered >= self.batch_seconds:
            self.flush()
        if self.worker is not None:
            self.worker.poll()

    def process_item(self, item: Item, spider: Any = None) -> Item:
        if not self.buffer:
            self.first_buffered = time.monotonic()
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size or time.monotonic() - self.first_buffered > self.batch_seconds:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        if self.worker is not None and self.worker.submit(self.key, batch, dedupe=True):
            return
        self._apply(process_batch(get_context(self.crawler), batch, self._inline_deduper()))

    def _on_result(self, result: BatchResult | None, items: list[Item]) -> None:
        if result is None:  # the worker could not do it: do it here
            result = process_batch(get_context(self.crawler), items, self._inline_deduper())
        self._apply(result)

    def _inline_deduper(self) -> Deduper:
        # built on first inline batch only: with a live worker, the worker's Deduper does this
        if self.deduper is None:
            from .dedupe import Deduper

            self.deduper = Deduper.from_settings(get_context(self.crawler).store, self.crawler.settings)
        return self.deduper

    def _apply(self, result: BatchResult) -> None:
        stats = self.crawler.stats
        if result.duplicates_exact:
            stats.inc_value("yuqing/duplicates_exact", result.duplicates_exact)
        if result.duplicates_near:
            stats.inc_value("yuqing/duplicates_near", result.duplicates_near)
        stats.inc_value("yuqing/stored", result.stored)
        stats.inc_value("yuqing/stored_duplicates", result.duplicates)
        if result.classified:
            stats.inc_value("yuqing/classified", result.classified)
            stats.inc_value("yuqing/classify_ms", result.classify_ms)
        if result.classify_failed:
            stats.inc_value("yuqing/classify_failed", result.classify_failed)
        spider = getattr(self.crawler, "spider", None)
        for message in result.errors:
            if spider is not None and hasattr(spider, "record_error"):
                spider.record_error(message)
            else:
                log.warning("%s", message)

    def close_spider(self, spider: Any = None) -> Deferred | None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush()
        worker = self.worker
        if worker is None:
            return None
        done: Deferred = Deferred()
        started = time.monotonic()

        def check() -> None:
            try:
                worker.poll()
                if worker.pending_for(self.key):
                    return
                waiting.stop()
                self.worker = None
                release(worker, self.key)
                wait_ms = int((time.monotonic() - started) * 1000)
                self.crawler.stats.set_value("yuqing/close_wait_ms", wait_ms)
                log.info("waited %d ms at close for the store worker", wait_ms)
            except Exception as exc:
                if waiting.running:
                    waiting.stop()
                done.errback(exc)
                return
            done.callback(None)

        # wait without blocking the reactor: other crawlers of this process go on meanwhile
        waiting = LoopingCall(check)
        waiting.start(0.05, now=True)
        return done
