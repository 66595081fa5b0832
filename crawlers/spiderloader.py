"""Scrapy spider loader that builds one spider per source of the sources YAML.

`scrapy crawl NAME` and CrawlerProcess.crawl(NAME) find spiders here (Scrapy setting
SPIDER_LOADER_CLASS). The file is YUQING_SOURCES_FILE (Scrapy setting) or YUQING_SOURCES
(environment), else config/sources.yaml; ${DEMO_BASE} comes from YUQING_DEMO_BASE.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scrapy.http import Request
from zope.interface import implementer

try:
    from scrapy.interfaces import ISpiderLoader
except ImportError:  # pragma: no cover - older Scrapy
    ISpiderLoader = None  # type: ignore[assignment]

from .config import SourceConfig, load_sources
from .spiders import SourceSpider, spider_class_for

REPO_ROOT = Path(__file__).resolve().parent.parent


def sources_path(settings: Any) -> Path:
    raw = (settings.get("YUQING_SOURCES_FILE") if settings is not None else None) \
        or os.environ.get("YUQING_SOURCES") or "config/sources.yaml"
    p = Path(raw)
    return p if p.is_absolute() else REPO_ROOT / p


def _implementer(cls: type) -> type:
    return implementer(ISpiderLoader)(cls) if ISpiderLoader is not None else cls


@_implementer
class SourceSpiderLoader:
    def __init__(self, settings: Any):
        variables = {}
        if settings is not None and settings.get("YUQING_DEMO_BASE"):
            variables["DEMO_BASE"] = settings.get("YUQING_DEMO_BASE")
        self.sources: dict[str, SourceConfig] = {
            s.name: s for s in load_sources(sources_path(settings), variables=variables)
        }
        self._classes: dict[str, type[SourceSpider]] = {}

    @classmethod
    def from_settings(cls, settings: Any) -> SourceSpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type[SourceSpider]:
        if spider_name not in self.sources:
            raise KeyError(f"Spider not found: {spider_name} (no such source in the sources file)")
        if spider_name not in self._classes:
            self._classes[spider_name] = spider_class_for(self.sources[spider_name])
        return self._classes[spider_name]

    def list(self) -> list[str]:
        return sorted(self.sources)

    def find_by_request(self, request: Request) -> list[str]:
        from urllib.parse import urlsplit

        host = urlsplit(request.url).netloc
        return [n for n, s in self.sources.items()
                if any(urlsplit(u).netloc == host for u in s.start_urls + s.search_urls)]
