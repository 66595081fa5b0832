"""HTML list pages -> article pages, with next-link or page-number paging."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from .base import SourceSpider, select_all, select_first
from .paging import page_url


class HtmlListSpider(SourceSpider):
    def initial_requests(self) -> Any:
        for url in self.source.start_urls:
            yield self.request(url, self.parse_list, cb_kwargs={"page": self.source.pagination.start_page})

    def parse_list(self, response: Response, page: int, keyword: str | None = None,
                   template: str | None = None) -> Any:
        try:
            resp = self.text_response(response)
            links = select_all(resp, self.source.list.link)
            dates = select_all(resp, self.source.list.date) if self.source.list.date else []
            next_href = select_first(resp, self.source.list.next or self.source.pagination.next)
        except Exception as exc:  # malformed list page: log and go on
            self.record_error(f"cannot parse list page {response.url}: {type(exc).__name__}: {exc}")
            return
        self.page_ok()
        self.crawler.stats.inc_value("yuqing/list_pages")
        from ..urls import canonical_url

        entries: dict[str, str] = {}  # canonical -> absolute URL, page order kept
        hinted_dates: dict[str, str] = {}
        for i, href in enumerate(links):
            if href.startswith(("javascript:", "mailto:", "#")):
                continue
            absolute = resp.urljoin(href)
            canon = canonical_url(absolute)
            entries.setdefault(canon, absolute)
            if i < len(dates) and len(dates) == len(links):
                hinted_dates.setdefault(canon, dates[i])
        known = self.known(list(entries))
        self.crawler.stats.inc_value("yuqing/known_skipped", len(known))
        for canon, absolute in entries.items():
            if canon in known:
                continue
            hints = {"item_url": canon, "published_at": self.parse_date(hinted_dates.get(canon)),
                     "keyword": keyword}
            yield self.request(absolute, self.parse_article, cb_kwargs=hints)
        # Incremental: a page holding only stored items means the rest is older
        if entries and len(known) == len(entries):
            self.logger.info("page %d holds only known items; paging stops", page)
            return
        if page - self.source.pagination.start_page + 1 >= self.source.pagination.max_pages:
            return
        nxt = None
        if next_href:
            nxt = resp.urljoin(next_href)
        elif entries:
            nxt = page_url(response.url, self.source.pagination.page_param, page + 1, template, keyword)
        if nxt and nxt != response.url:
            yield self.request(nxt, self.parse_list,
                               cb_kwargs={"page": page + 1, "keyword": keyword, "template": template})
