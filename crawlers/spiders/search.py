"""Keyword search sources: URL templates filled with each watch term, JSON or HTML results."""

from __future__ import annotations

from typing import Any

from .api import ApiSpider
from .html import HtmlListSpider
from .paging import fill_template


class SearchSpider(ApiSpider, HtmlListSpider):
    def initial_requests(self) -> Any:
        start = self.source.pagination.start_page
        callback = self.parse_api if self.source.search_format == "json" else self.parse_list
        for template in self.source.search_urls:
            for keyword in self.source.keywords:
                yield self.request(fill_template(template, keyword, start), callback,
                                   cb_kwargs={"page": start, "keyword": keyword, "template": template})
