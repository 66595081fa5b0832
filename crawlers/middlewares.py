"""Downloader middleware: one configured proxy (YUQING_PROXY) for every request."""

from __future__ import annotations

from typing import Any

from scrapy.http import Request


class ProxyMiddleware:
    def __init__(self, proxy: str | None):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProxyMiddleware:
        return cls(crawler.settings.get("YUQING_PROXY") or None)

    def process_request(self, request: Request, spider: Any = None) -> None:
        # a proxy set on the request itself wins (e.g. a source that must go direct)
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy
