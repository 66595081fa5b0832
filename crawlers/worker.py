"""Classify + store + hand on, per batch: inline, or in a worker process on another core.

Tokenizing for the store's text index and running the model cost several milliseconds
per item of pure Python; done inside Scrapy's reactor they stall downloading and parsing.
`StoreWorker` runs them in a child process (spawned, so it inherits no reactor, threads
or open connections) that builds its own context with the same context factory.
Batches travel over a bounded queue (back-pressure: the crawl waits when the worker is
far behind); the worker merges batches that are already waiting into one model call.
Each crawler keeps its batches until the worker answers, so a worker that cannot start
or dies hands them back to be processed inline: nothing is lost.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import queue
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from store import Item

from .context import CrawlContext

if TYPE_CHECKING:  # imported where used: the crawl process needs neither numpy nor datasketch
    from .dedupe import Deduper

log = logging.getLogger(__name__)
_LABEL_FIELDS = ("relevant", "category", "risk", "rumor_suspected", "sentiment", "model_version", "district")


@dataclass
class BatchResult:
    """What one batch did: counted into the crawler's stats, errors into its source's record."""

    stored: int = 0  # originals stored
    duplicates: int = 0  # duplicates stored (pointing at their first copy)
    classified: int = 0
    classify_failed: int = 0
    classify_ms: int = 0
    duplicates_exact: int = 0  # linked to their first copy by the Deduper (same content hash)
    duplicates_near: int = 0  # ... or by MinHash LSH + shingle Jaccard
    errors: list[str] = field(default_factory=list)


def classify(classifier: Any, items: list[Item]) -> tuple[int, int, int]:
    """Label the items in place; (classified, failed, milliseconds). A failing model leaves
    them unlabeled (stored anyway, rather than lost)."""
    if classifier is None or not items:
        return 0, 0, 0
    started = time.perf_counter()
    try:
        preds = classifier.predict([i.text for i in items], titles=[i.title for i in items])
    except Exception:
        log.exception("classifier failed on %d items; storing them unlabeled", len(items))
        return 0, len(items), 0
    for item, pred in zip(items, preds, strict=False):
        for name in _LABEL_FIELDS:
            if hasattr(pred, name):
                setattr(item, name, getattr(pred, name))
        item.scores = dict(getattr(pred, "scores", None) or {})
        item.explanation = list(getattr(pred, "explanation", None) or [])
    return len(items), 0, int((time.perf_counter() - started) * 1000)


def store_items(ctx: CrawlContext, items: list[Item], result: BatchResult) -> None:
    """Upsert in one transaction; when that fails, item by item (one bad item must not
    cost the others); then raise the first copies' spread and hand originals on."""
    if not items:
        return
    try:
        ctx.store.upsert_items(items)
        stored = items
    except Exception as exc:
        log.warning("store failed on a batch of %d items (%s); retrying one by one", len(items), exc)
        stored = []
        for item in items:
            try:
                ctx.store.upsert_items([item])
                stored.append(item)
            except Exception as item_exc:  # its URL stays unknown, so the next run fetches it again
                result.errors.append(f"store failed on {item.url}: {type(item_exc).__name__}: {item_exc}")
    originals = [i for i in stored if not i.duplicate_of]
    result.stored += len(originals)
    result.duplicates += len(stored) - len(originals)
    for dup in stored:
        if dup.duplicate_of:
            try:
                ctx.store.add_spread(dup.duplicate_of)
            except Exception:
                log.exception("add_spread failed for %s", dup.duplicate_of)
    if originals and ctx.on_stored is not None:
        try:
            ctx.on_stored(originals)
        except Exception:  # alerts failing never loses stored items
            log.exception("on_stored failed for %d items", len(originals))


def prepare(deduper: Deduper | None, items: list[Item], result: BatchResult) -> None:
    """Finish the items the crawl pipeline handed over (in place): their script (简/繁) and
    content hash, and copies linked to their first copy, counted into the result. This
    per-character work is done here, beside classify + store, not in the crawl process."""
    if deduper is None:
        return
    from .textnorm import detect_script

    for item in items:
        item.script = detect_script(f"{item.title}\n{item.text}")  # type: ignore[assignment]
    exact, near = deduper.mark(items)
    result.duplicates_exact += exact
    result.duplicates_near += near


def process_batch(ctx: CrawlContext, items: list[Item], deduper: Deduper | None = None) -> BatchResult:
    """Prepare and find duplicates (with a deduper: items from the crawl pipeline), classify the originals (duplicates keep no labels of
    their own), store all, hand on."""
    result = BatchResult()
    prepare(deduper, items, result)
    originals = [i for i in items if not i.duplicate_of]
    result.classified, result.classify_failed, result.classify_ms = classify(ctx.classifier, originals)
    store_items(ctx, items, result)
    return result


# ---------------------------------------------------------------------- the child process

_Job = tuple[str, int, list[Item], bool]  # (crawler key, batch number, items, find duplicates?)


def _process_jobs(ctx: CrawlContext, deduper: Deduper, jobs: list[_Job], outbox: Any) -> None:
    results = [BatchResult() for _ in jobs]
    for (_k, _n, items, find_dups), result in zip(jobs, results, strict=True):  # in arrival order
        if find_dups:
            prepare(deduper, items, result)
    originals = [i for _k, _n, items, _d in jobs for i in items if not i.duplicate_of]
    done, failed, ms = classify(ctx.classifier, originals)  # one model call for all waiting batches
    for (key, batch_no, items, _d), result in zip(jobs, results, strict=True):
        share = sum(1 for i in items if not i.duplicate_of)
        if originals:
            result.classified = share if done else 0
            result.classify_failed = share if failed else 0
            result.classify_ms = ms * share // len(originals)
        try:
            store_items(ctx, items, result)
        except Exception as exc:  # store_items catches store errors; this is a bug, still reported
            log.exception("batch %d failed", batch_no)
            result.errors.append(f"batch of {len(items)} items failed: {type(exc).__name__}: {exc}")
        outbox.put(("done", key, batch_no, result))


def _worker_main(factory_path: str, settings_values: dict[str, Any], inbox: Any, outbox: Any,
                 merge_max: int) -> None:
    """Child process: build a context, then process batches until None arrives."""
    try:
        from scrapy.settings import Settings
        from scrapy.utils.misc import load_object

        settings = Settings(settings_values)
        ctx = load_object(factory_path)(settings)
        if not isinstance(ctx, CrawlContext):
            raise TypeError(f"{factory_path} must return a crawlers.context.CrawlContext")
        from .dedupe import Deduper

        # one index for every crawler this worker serves: copies across sources are found too
        deduper = Deduper.from_settings(ctx.store, settings)
    except BaseException as exc:
        outbox.put(("fatal", None, None, f"{type(exc).__name__}: {exc}"))
        return
    outbox.put(("ready", None, None, None))
    stop = False
    while not stop:
        first = inbox.get()
        if first is None:
            break
        jobs, size = [first], len(first[2])
        while size < merge_max:  # batches already waiting go into the same model call
            try:
                nxt = inbox.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                stop = True
                break
            jobs.append(nxt)
            size += len(nxt[2])
        _process_jobs(ctx, deduper, jobs, outbox)
    close = getattr(ctx.store, "close", None)
    if callable(close):
        close()


# ---------------------------------------------------------------------- the parent's handle

Handler = Callable[[BatchResult | None, list[Item]], None]


def picklable_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The settings a child process can receive (all plain values in practice)."""
    out = {}
    for key, value in values.items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: BLE001 - a class or function object: the child has the default
            continue
        out[key] = value
    return out


class StoreWorker:
    """One worker process, shared by the crawlers of this process that use the same factory.

    `submit` queues a batch (blocking while the queue is full); `poll` hands answers to the
    crawler's handler: a BatchResult, or None with the items when the worker could not
    process them (the crawler then processes them itself).
    """

    def __init__(self, factory_path: str, settings_values: dict[str, Any], max_batches: int = 8,
                 merge_max: int = 256):
        mp = multiprocessing.get_context("spawn")
        self.inbox = mp.Queue(maxsize=max(1, max_batches))
        self.outbox = mp.Queue()
        self.process = mp.Process(target=_worker_main, name="yuqing-store-worker", daemon=True,
                                  args=(factory_path, settings_values, self.inbox, self.outbox, merge_max))
        self.process.start()
        self.pending: dict[int, tuple[str, list[Item]]] = {}
        self.handlers: dict[str, Handler] = {}
        self.dead = False
        self.ready = False
        self._next = 0
        self.users = 0

    def pending_for(self, key: str) -> int:
        return sum(1 for k, _items in self.pending.values() if k == key)

    def submit(self, key: str, items: list[Item], dedupe: bool = False) -> bool:
        """Queue a batch; False when the worker is gone (process it inline instead).
        With dedupe, the worker first links copies to their first copy (crawlers.dedupe)."""
        if self.dead:
            return False
        batch_no, self._next = self._next, self._next + 1
        self.pending[batch_no] = (key, items)
        while True:
            try:
                self.inbox.put((key, batch_no, items, dedupe), timeout=0.5)
                return True
            except queue.Full:
                self.poll()  # answers may be waiting, and a dead worker must not block us forever
                if self.dead:
                    return True  # poll handed this batch back with the others

    def poll(self) -> None:
        alive = self.process.is_alive()
        self._drain()
        if not alive and not self.dead:
            self._drain()  # answers written just before it exited
            self._give_back(f"the worker process exited (code {self.process.exitcode})")

    def _drain(self) -> None:
        while True:
            try:
                kind, key, batch_no, payload = self.outbox.get_nowait()
            except queue.Empty:
                return
            except (EOFError, OSError):
                return
            if kind == "ready":
                self.ready = True
            elif kind == "fatal":
                self._give_back(f"the worker process could not start: {payload}")
            elif kind == "done":
                entry = self.pending.pop(batch_no, None)
                handler = self.handlers.get(key)
                if entry is not None and handler is not None:
                    handler(payload, entry[1])

    def _give_back(self, why: str) -> None:
        self.dead = True
        # batches still buffered for a dead reader are handed back below: never wait for them
        # to be written (the queue's feeder thread would block this process's exit forever)
        self.inbox.cancel_join_thread()
        if self.pending:
            log.error("%s; %d batches go back to the crawl process", why, len(self.pending))
        else:
            log.warning("%s", why)
        pending, self.pending = self.pending, {}
        for _no, (key, items) in sorted(pending.items()):
            handler = self.handlers.get(key)
            if handler is not None:
                handler(None, items)

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.is_alive():
            with suppress(queue.Full):  # a stuck worker is terminated below
                self.inbox.put(None, timeout=timeout)
            self.process.join(timeout)
            if self.process.is_alive():
                log.error("the store worker did not stop; terminating it")
                self.process.terminate()
                self.process.join(5)
        self.poll()
        self.dead = True
        self.inbox.cancel_join_thread()
        self.inbox.close()
        self.outbox.close()


_shared: dict[tuple[Any, ...], StoreWorker] = {}


def acquire(factory_path: str, settings_values: dict[str, Any], key: str, handler: Handler,
            max_batches: int = 8) -> StoreWorker:
    """The worker for this factory and these YUQING_* settings, started on first use."""
    ident = (factory_path, tuple(sorted((k, repr(v)) for k, v in settings_values.items() if k.startswith("YUQING_"))))
    worker = _shared.get(ident)
    if worker is None or worker.dead:
        worker = StoreWorker(factory_path, picklable_settings(settings_values), max_batches=max_batches)
        _shared[ident] = worker
    worker.users += 1
    worker.handlers[key] = handler
    return worker


def release(worker: StoreWorker, key: str) -> None:
    """Forget this crawler; stop the worker when no crawler uses it any more."""
    worker.handlers.pop(key, None)
    worker.users -= 1
    if worker.users <= 0:
        for ident, w in list(_shared.items()):
            if w is worker:
                del _shared[ident]
        worker.stop()
