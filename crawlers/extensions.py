"""Scrapy extensions: per-source health in the store, and shared-queue cleanup on Redis."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from .context import get_context

log = logging.getLogger(__name__)


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
        ok = spider.pages_ok > 0 and reason == "finished"
        error = None
        if not ok:
            first = spider.errors[0] if spider.errors else f"no page could be read (finish reason: {reason})"
            error = f"{spider.errors_total} error(s); first: {first}"[:1000]
        elif spider.errors_total:
            log.warning("[%s] finished with %d error(s); first: %s", spider.name, spider.errors_total, spider.errors[0])
        try:
            get_context(self.crawler).store.record_source_run(spider.name, datetime.now(UTC), ok, error)
        except Exception:  # health is best effort; never hide the crawl's own outcome
            log.exception("[%s] could not record the source run", spider.name)


class RedisJobExtension:
    """Deletes a distributed job's queue and seen-set when its last worker closes.

    Workers sharing YUQING_CRAWL_JOB count themselves in Redis; the last one out clears
    the job, so the next scheduled run fetches list pages again instead of treating
    them as seen.
    """

    TTL_SECONDS = 86_400  # a crashed worker's count must not live forever

    def __init__(self, crawler: Any, url: str):
        import redis

        self.crawler = crawler
        self.server = redis.Redis.from_url(url)
        self.settings = crawler.settings

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisJobExtension:
        url = crawler.settings.get("YUQING_REDIS_URL")
        if not url:
            raise NotConfigured  # silent: Redis is optional
        ext = cls(crawler, url)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _keys(self, spider: Any) -> tuple[str, list[str]]:
        fmt = {"spider": spider.name}
        queue = self.settings.get("SCHEDULER_QUEUE_KEY") % fmt
        dupe = self.settings.get("SCHEDULER_DUPEFILTER_KEY") % fmt
        return f"{queue}:workers", [queue, dupe]

    def spider_opened(self, spider: Any) -> None:
        counter, _ = self._keys(spider)
        n = self.server.incr(counter)
        self.server.expire(counter, self.TTL_SECONDS)
        log.info("[%s] distributed worker %d on %s", spider.name, n, counter)

    def spider_closed(self, spider: Any, reason: str) -> None:
        counter, keys = self._keys(spider)
        left = self.server.decr(counter)
        if left <= 0:
            self.server.delete(counter, *keys)
            log.info("[%s] last distributed worker: job keys cleared", spider.name)
