"""Scrapy extensions: per-source health in the store, and shared-queue cleanup on Redis."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from .context import get_context

log = logging.getLogger(__name__)


def source_ok(spider: Any, reason: str | None, settings: Any) -> bool:
    """A run is healthy when it finished and read pages; a distributed worker that found
    the shared queue already drained by the others is healthy too, if it saw no error."""
    if spider is None or reason != "finished":
        return False
    if getattr(spider, "pages_ok", 0) > 0:
        return True
    return bool(settings.get("YUQING_REDIS_URL")) and getattr(spider, "errors_total", 0) == 0


class SourceHealthExtension:
    """Records each source's run (ok / error) with store.record_source_run when it closes."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.started_at = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SourceHealthExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.started_at = datetime.now(UTC)

    def spider_error(self, failure: Any, response: Any, spider: Any) -> None:
        if hasattr(spider, "record_error"):
            spider.record_error(f"{failure.type.__name__} while parsing {response.url}: {failure.getErrorMessage()}")

    def spider_closed(self, spider: Any, reason: str) -> None:
        if not hasattr(spider, "pages_ok"):
            return
        ok = source_ok(spider, reason, self.crawler.settings)
        error = None
        if not ok:
            if spider.errors:
                first = spider.errors[0]
            elif getattr(spider, "robots_denied", 0):
                first = "robots.txt does not allow these pages (robots.txt 不允许抓取)"
            else:
                first = f"no page could be read (finish reason: {reason})"
            error = f"{spider.errors_total} error(s); first: {first}"[:1000]
        elif spider.errors_total:
            log.warning("[%s] finished with %d error(s); first: %s", spider.name, spider.errors_total, spider.errors[0])
        try:
            get_context(self.crawler).store.record_source_run(spider.name, datetime.now(UTC), ok, error)
        except Exception:  # health is best effort; never hide the crawl's own outcome
            log.exception("[%s] could not record the source run", spider.name)


class RedisJobExtension:
    """Lets several crawler processes share one job's Redis queue, and cleans up after them.

    An idle worker stays open while another worker is still busy (that one may still
    queue pages), checking twice a second, and closes when every worker is idle and the
    queue is empty, or after YUQING_REDIS_MAX_IDLE seconds (a crashed worker). The last
    worker out deletes the job's queue and seen-set, so the next scheduled run fetches
    list pages again instead of treating them as seen.
    """

    TTL_SECONDS = 86_400  # a crashed worker's registration must not live forever
    POLL_SECONDS = 0.5

    def __init__(self, crawler: Any, url: str):
        import redis

        self.crawler = crawler
        self.server = redis.Redis.from_url(url)
        self.settings = crawler.settings
        self.worker = uuid.uuid4().hex
        self.max_idle = crawler.settings.getfloat("YUQING_REDIS_MAX_IDLE", 60.0)
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisJobExtension:
        url = crawler.settings.get("YUQING_REDIS_URL")
        if not url:
            raise NotConfigured  # silent: Redis is optional
        ext = cls(crawler, url)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.busy, signal=signals.request_reached_downloader)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _keys(self, spider: Any) -> dict[str, str]:
        fmt = {"spider": spider.name}
        queue = self.settings.get("SCHEDULER_QUEUE_KEY") % fmt
        return {"queue": queue, "dupe": self.settings.get("SCHEDULER_DUPEFILTER_KEY") % fmt,
                "workers": f"{queue}:workers", "idle": f"{queue}:idle"}

    def _queue_len(self, key: str) -> int:
        kind = self.server.type(key)
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind == "list":
            return int(self.server.llen(key))
        if kind == "zset":
            return int(self.server.zcard(key))
        return 0

    def spider_opened(self, spider: Any) -> None:
        keys = self._keys(spider)
        self.server.sadd(keys["workers"], self.worker)
        self.server.expire(keys["workers"], self.TTL_SECONDS)
        n = self.server.scard(keys["workers"])
        log.info("[%s] distributed worker %d of job %s", spider.name, n, keys["queue"])

    def busy(self, request: Any = None, spider: Any = None) -> None:
        if self.idle_since is not None:
            self.idle_since = None
            self.server.srem(self._keys(self.crawler.spider)["idle"], self.worker)

    def spider_idle(self, spider: Any) -> None:
        from scrapy.exceptions import DontCloseSpider
        from twisted.internet import reactor

        keys = self._keys(spider)
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        self.server.sadd(keys["idle"], self.worker)
        self.server.expire(keys["idle"], self.TTL_SECONDS)
        workers = self.server.scard(keys["workers"])
        idle = self.server.scard(keys["idle"])
        if self._queue_len(keys["queue"]) == 0 and idle >= workers:
            return  # everyone is done: close
        if now - self.idle_since > self.max_idle:
            log.warning("[%s] idle %.0fs while other workers look busy; closing", spider.name, now - self.idle_since)
            return
        # wake the engine soon rather than on its 5 s heartbeat, to take new queued pages
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            reactor.callLater(self.POLL_SECONDS, slot.nextcall.schedule)
        raise DontCloseSpider

    def spider_closed(self, spider: Any, reason: str) -> None:
        keys = self._keys(spider)
        self.server.srem(keys["idle"], self.worker)
        self.server.srem(keys["workers"], self.worker)
        if self.server.scard(keys["workers"]) == 0:
            self.server.delete(keys["workers"], keys["idle"], keys["queue"], keys["dupe"])
            log.info("[%s] last distributed worker: job keys cleared", spider.name)
