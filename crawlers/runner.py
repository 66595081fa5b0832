"""Run a blocking crawl of some sources in this process and report what happened.

Twisted's reactor runs once per process: call `crawl` once, or run each crawl in a
child process (`python -m crawlers.runner SOURCE ... --set KEY=VALUE --json`), which
is what the scheduler does through `yuqing crawl SOURCE`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from .config import select_sources
from .extensions import source_ok
from .spiderloader import SourceSpiderLoader

REDIS_SETTINGS = {
    "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    # the last worker clears the job (crawlers.extensions.RedisJobExtension), not each one
    "SCHEDULER_PERSIST": True,
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.FifoQueue",
}


@dataclass
class SourceReport:
    name: str
    ok: bool
    finish_reason: str | None
    pages_ok: int = 0
    requests: int = 0
    items_scraped: int = 0
    stored: int = 0
    duplicates: int = 0
    already_known: int = 0
    robots_denied: int = 0
    errors: int = 0
    error_messages: list[str] = field(default_factory=list)
    classify_ms: int = 0


@dataclass
class CrawlReport:
    sources: list[SourceReport]

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "sources": [asdict(s) for s in self.sources]}


def build_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """crawlers.settings, then the caller's overrides; Redis scheduling when YUQING_REDIS_URL."""
    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    overrides = dict(overrides or {})
    settings.setdict(overrides, priority="cmdline")
    if settings.get("YUQING_REDIS_URL"):
        job = settings.get("YUQING_CRAWL_JOB") or "default"
        redis = dict(REDIS_SETTINGS)
        redis["REDIS_URL"] = settings.get("YUQING_REDIS_URL")
        redis["SCHEDULER_QUEUE_KEY"] = f"yuqing:{job}:%(spider)s:requests"
        redis["SCHEDULER_DUPEFILTER_KEY"] = f"yuqing:{job}:%(spider)s:dupefilter"
        # a worker takes from the shared queue only what it can fetch now, leaving the
        # rest to the other workers (Scrapy otherwise pulls up to CONCURRENT_REQUESTS)
        redis["CONCURRENT_REQUESTS"] = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2)
        for key, value in redis.items():
            if key not in overrides:
                settings.set(key, value, priority="cmdline")
    return settings


def _report(crawler: Any) -> SourceReport:
    stats = crawler.stats.get_stats() or {}
    spider = getattr(crawler, "spider", None)
    pages_ok = getattr(spider, "pages_ok", 0)
    reason = stats.get("finish_reason")
    return SourceReport(
        name=spider.name if spider is not None else "?",
        ok=source_ok(spider, reason, crawler.settings),
        finish_reason=reason,
        pages_ok=pages_ok,
        requests=int(stats.get("downloader/request_count", 0)),
        items_scraped=int(stats.get("item_scraped_count", 0)),
        stored=int(stats.get("yuqing/stored", 0)),
        duplicates=int(stats.get("yuqing/stored_duplicates", 0)),
        already_known=int(stats.get("yuqing/known_skipped", 0)) + int(stats.get("yuqing/already_stored", 0)),
        robots_denied=int(stats.get("yuqing/robots_denied", 0)),
        errors=getattr(spider, "errors_total", 0),
        error_messages=list(getattr(spider, "errors", [])),
        classify_ms=int(stats.get("yuqing/classify_ms", 0)),
    )


def crawl(source_names: list[str] | None, settings_overrides: dict[str, Any] | None = None) -> CrawlReport:
    """Crawl the named sources (all enabled ones when empty) until done; blocking.

    Raises KeyError for an unknown source name and SourceConfigError for a bad file.
    """
    settings = build_settings(settings_overrides)
    loader = SourceSpiderLoader(settings)
    chosen = select_sources(list(loader.sources.values()), list(source_names or []))
    process = CrawlerProcess(settings, install_root_handler=settings.getbool("YUQING_LOG_ROOT", True))
    crawlers = []
    for src in chosen:
        crawler = process.create_crawler(src.name)
        crawlers.append(crawler)
        process.crawl(crawler)
    if crawlers:
        process.start()
    return CrawlReport([_report(c) for c in crawlers])


def _parse_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.runner", description="运行一次采集")
    parser.add_argument("sources", nargs="*", help="采集源名称（默认：全部启用的采集源）")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="Scrapy setting (value parsed as JSON when it can be)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    for pair in args.set:
        key, sep, value = pair.partition("=")
        if not sep:
            parser.error(f"--set needs KEY=VALUE, got {pair!r}")
        overrides[key] = _parse_value(value)
    report = crawl(args.sources, overrides)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for s in report.sources:
            print(f"{s.name}: {'ok' if s.ok else 'FAILED'} stored={s.stored} duplicates={s.duplicates} errors={s.errors}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
