"""RSS 2.0 / Atom feeds (feedparser); short summaries are completed from the article page."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy.http import Response

from ..urls import canonical_url
from .base import SourceSpider, html_to_text

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
        body = response.body
        if self.source.encoding:
            body = self.text_response(response).text.encode("utf-8")
            headers = {"content-type": "application/xml; charset=utf-8"}
        else:
            ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
            headers = {"content-type": ctype} if ctype else {}
        feed = feedparser.parse(body, response_headers=headers)
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
