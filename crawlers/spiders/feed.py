"""RSS 2.0 / Atom feeds (feedparser); short summaries are completed from the article page."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy.http import Response

from ..urls import canonical_url
from .base import SourceSpider, html_to_text

_XML_DECL_ENCODING = re.compile(r"""(<\?xml[^>]*encoding\s*=\s*["'])[^"']+(["'])""")
MIN_SUMMARY_CHARS = 200  # below this an RSS summary is a teaser: fetch the article


class FeedSpider(SourceSpider):
    def initial_requests(self) -> Any:
        for url in self.source.start_urls:
            yield self.request(url, self.parse_feed)

    def _entry_date(self, entry: Any) -> datetime | None:
        for key in ("published_parsed", "updated_parsed"):
            st = entry.get(key)
            if st:
                return datetime.fromtimestamp(calendar.timegm(st), UTC)
        for key in ("published", "updated", "pubDate", "dc_date"):
            if entry.get(key):
                got = self.parse_date(entry.get(key))
                if got:
                    return got
        return None

    def parse_feed(self, response: Response) -> Any:
        # Decode ourselves (override, else a header charset that really fits, else the XML
        # declaration) and hand feedparser UTF-8, so a lying header cannot garble the feed.
        text = self.text_response(response).text
        text = _XML_DECL_ENCODING.sub(r"\1utf-8\2", text, count=1)
        feed = feedparser.parse(text.encode("utf-8"),
                                response_headers={"content-type": "application/xml; charset=utf-8"})
        if not feed.entries:
            if feed.bozo:
                self.record_error(f"broken feed at {response.url}: {feed.bozo_exception}")
            else:
                self.record_error(f"empty feed at {response.url}")
            return
        self.page_ok()
        entries: dict[str, Any] = {}
        for entry in feed.entries:
            link = entry.get("link")
            if not link:
                continue
            entries.setdefault(canonical_url(response.urljoin(link)), entry)
        known = self.known(list(entries))
        self.crawler.stats.inc_value("yuqing/known_skipped", len(known))
        for canon, entry in entries.items():
            if canon in known:
                continue
            title = html_to_text(entry.get("title", ""))
            content = ""
            if entry.get("content"):
                content = html_to_text(entry.content[0].get("value", ""))
            summary = content or html_to_text(entry.get("summary", ""))
            published = self._entry_date(entry)
            author = entry.get("author")
            if len(summary) >= MIN_SUMMARY_CHARS:
                self.crawler.stats.inc_value("yuqing/feed_full_entries")
                yield self.make_item(url=canon, title=title, text=summary, author=author,
                                     published_at=published)
            else:
                yield self.request(response.urljoin(entry.get("link")), self.parse_article,
                                   cb_kwargs={"item_url": canon, "title": title,
                                              "published_at": published})
