"""sitemap.xml (and sitemap indexes, gzipped or not): new article URLs -> article pages."""

from __future__ import annotations

import re
from typing import Any

from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from ..urls import canonical_url
from .base import SourceSpider

MAX_ARTICLES = 500  # one run fetches at most this many articles from one sitemap


class SitemapSpider(SourceSpider):
    def initial_requests(self) -> Any:
        for url in self.source.start_urls:
            yield self.request(url, self.parse_sitemap, cb_kwargs={"depth": 0})

    def _body(self, response: Response) -> bytes:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            max_size = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
            return gunzip(body, max_size=max_size) if max_size else gunzip(body)
        return body

    def parse_sitemap(self, response: Response, depth: int) -> Any:
        try:
            sm = Sitemap(self._body(response))
            entries = list(sm)
        except Exception as exc:  # not XML, or not a sitemap
            self.record_error(f"broken sitemap at {response.url}: {type(exc).__name__}: {exc}")
            return
        self.page_ok()
        if sm.type == "sitemapindex":
            if depth >= 2:
                return
            for entry in entries[: self.source.pagination.max_pages]:
                yield self.request(response.urljoin(entry["loc"]), self.parse_sitemap,
                                   cb_kwargs={"depth": depth + 1})
            return
        follow = [re.compile(rx) for rx in self.source.sitemap_follow]
        urls: dict[str, tuple[str, str | None]] = {}
        for entry in entries:
            loc = response.urljoin(entry.get("loc", ""))
            if follow and not any(rx.search(loc) for rx in follow):
                continue
            urls.setdefault(canonical_url(loc), (loc, entry.get("lastmod")))
        known = self.known(list(urls))
        self.crawler.stats.inc_value("yuqing/known_skipped", len(known))
        fresh = [(c, v) for c, v in urls.items() if c not in known]
        # newest first when the sitemap says when pages changed
        fresh.sort(key=lambda cv: cv[1][1] or "", reverse=True)
        for canon, (loc, lastmod) in fresh[:MAX_ARTICLES]:
            yield self.request(loc, self.parse_article,
                               cb_kwargs={"item_url": canon, "published_at": self.parse_date(lastmod)})
