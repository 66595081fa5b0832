"""What the crawl pipeline needs from the rest of the service, built by a factory.

The factory is named by the Scrapy setting YUQING_CONTEXT_FACTORY (a dotted path,
loaded like any Scrapy component) and called with the Scrapy settings. The service's
wiring provides the real one; tests pass their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from scrapy.utils.misc import load_object

from store import Item, Store

from .config import SourceConfig

DEFAULT_FACTORY = "service.wiring.crawl_context"


class Classifier(Protocol):
    def predict(self, texts: list[str], titles: list[str] | None = None) -> list[Any]: ...


@dataclass
class CrawlContext:
    store: Store
    classifier: Classifier | None
    on_stored: Callable[[list[Item]], Any] | None = None
    sources: list[SourceConfig] = field(default_factory=list)


def get_context(crawler: Any) -> CrawlContext:
    """One context per crawler, shared by its spider and pipelines (built on first use)."""
    ctx = getattr(crawler, "_yuqing_context", None)
    if ctx is None:
        factory = load_object(crawler.settings.get("YUQING_CONTEXT_FACTORY") or DEFAULT_FACTORY)
        ctx = factory(crawler.settings)
        if not isinstance(ctx, CrawlContext):
            raise TypeError(f"{factory!r} must return a crawlers.context.CrawlContext, got {type(ctx).__name__}")
        crawler._yuqing_context = ctx
    return ctx


def run_urls(crawler: Any) -> set[str]:
    """Canonical URLs of the items this crawler yielded in this run (kept in the crawl
    process: the store learns of them only when the worker has stored them)."""
    urls = getattr(crawler, "_yuqing_run_urls", None)
    if urls is None:
        urls = crawler._yuqing_run_urls = set()
    return urls
