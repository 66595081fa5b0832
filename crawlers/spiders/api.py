"""JSON APIs shaped like Weibo search: posts with counts, relative Chinese times, page paging."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response

from ..urls import canonical_url
from .base import SourceSpider, html_to_text
from .paging import page_url, with_page


def dotted(data: Any, path: str | None) -> Any:
    """data['a']['b'] for 'a.b'; list indexes as numbers; None when missing."""
    if not path:
        return None
    cur = data
    for part in path.split("."):
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None
    return cur


def as_count(value: Any) -> int | None:
    """Counts come as 12, "12", "1.2万" or "100万+"."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    s = str(value).strip().rstrip("+")
    mult = 1
    if s.endswith("万"):
        s, mult = s[:-1], 10_000
    elif s.endswith("亿"):
        s, mult = s[:-1], 100_000_000
    try:
        return int(float(s) * mult)
    except ValueError:
        return None


class ApiSpider(SourceSpider):
    def initial_requests(self) -> Any:
        for url in self.source.start_urls:
            yield self.request(url, self.parse_api, cb_kwargs={"page": self.source.pagination.start_page})

    def parse_api(self, response: Response, page: int, keyword: str | None = None,
                  template: str | None = None) -> Any:
        api = self.source.api
        try:
            data = json.loads(self.text_response(response).text)
        except (ValueError, UnicodeDecodeError) as exc:
            self.record_error(f"broken JSON at {response.url}: {exc}")
            return
        if isinstance(data, dict) and data.get("ok") in (0, "0", False) and dotted(data, api.items) is None:
            self.record_error(f"API said not ok at {response.url}: {str(data)[:200]}")
            return
        entries = dotted(data, api.items)
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            self.record_error(f"API answer at {response.url}: '{api.items}' is not a list")
            return
        self.page_ok()
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(response.url))
        posts: dict[str, dict[str, Any]] = {}
        for entry in entries:
            post = dotted(entry, api.item) if api.item else entry
            if not isinstance(post, dict):
                continue  # e.g. a card that is an advert or a topic, not a post
            native = dotted(post, api.id)
            if native is None:
                continue
            native = str(native)
            url = dotted(post, api.url) if api.url else None
            if not url:
                url = api.post_url.replace("{origin}", origin).replace("{id}", native)
            posts.setdefault(canonical_url(response.urljoin(url)), {"post": post, "id": native})
        known = self.known(list(posts))
        self.crawler.stats.inc_value("yuqing/known_skipped", len(known))
        for canon, entry in posts.items():
            if canon in known:
                continue
            post = entry["post"]
            raw_text = dotted(post, api.text)
            text = html_to_text(str(raw_text)) if raw_text else ""
            created = dotted(post, api.created_at)
            author = dotted(post, api.author) if api.author else None
            yield self.make_item(
                url=canon, native_id=entry["id"], text=text,
                title=html_to_text(str(dotted(post, api.title) or "")) if api.title else "",
                author=str(author) if author is not None else None,
                published_at=self.parse_date(str(created)) if created is not None else None,
                reposts=as_count(dotted(post, api.reposts)), comments=as_count(dotted(post, api.comments)),
                likes=as_count(dotted(post, api.likes)), keyword=keyword,
            )
        if not posts or len(known) == len(posts):
            return  # nothing more, or only stored posts: older pages are stored too
        if page - self.source.pagination.start_page + 1 >= self.source.pagination.max_pages:
            return
        if api.next_cursor:
            # cursor paging (since_id, max_id, next_cursor ...): the answer names the next page
            cursor = dotted(data, api.next_cursor)
            if cursor in (None, "", 0, "0"):
                return
            nxt = with_page(response.url, self.source.pagination.cursor_param or "cursor", str(cursor))
            if nxt != response.url:
                yield self.request(nxt, self.parse_api,
                                   cb_kwargs={"page": page + 1, "keyword": keyword, "template": template})
            return
        next_page = dotted(data, api.next_page) if api.next_page else page + 1
        if next_page in (None, "", 0, "0"):
            return
        try:
            next_page = int(next_page)
        except (TypeError, ValueError):
            return
        if next_page <= page:
            return
        nxt = page_url(response.url, self.source.pagination.page_param or "page", next_page, template, keyword)
        if nxt:
            yield self.request(nxt, self.parse_api,
                               cb_kwargs={"page": next_page, "keyword": keyword, "template": template})
