"""The base of every source spider: selectors, dates, known-URL checks, error records.

A spider class is made per source (see crawlers.spiderloader); `source` holds its
validated configuration. Errors are logged with the source name, counted for the
source's health and never stop the other sources of a crawl.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy
from parsel import Selector
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.html import remove_tags, replace_entities

from ..config import SourceConfig
from ..context import CrawlContext, get_context, run_urls
from ..dates import parse_datetime
from ..encoding import as_text_response
from ..urls import canonical_url

log = logging.getLogger(__name__)
MAX_ERRORS_KEPT = 20


def is_xpath(expr: str) -> bool:
    return expr.startswith(("/", "(", "./"))


def select_all(sel: Selector | TextResponse, expr: str | None) -> list[str]:
    """Texts matched by a CSS (`::text`, `::attr()`) or XPath selector, stripped, non-empty."""
    if not expr:
        return []
    found = sel.xpath(expr) if is_xpath(expr) else sel.css(expr)
    out = []
    for node in found:
        value = node.get()
        if value is None:
            continue
        # An element (not ::text / @attr) is reduced to its text
        if value.lstrip().startswith("<"):
            value = replace_entities(remove_tags(value))
        value = value.strip()
        if value:
            out.append(value)
    return out


def select_first(sel: Selector | TextResponse, expr: str | None) -> str | None:
    values = select_all(sel, expr)
    return values[0] if values else None


@lru_cache(maxsize=1)
def _tld_extract() -> Any:
    import tldextract

    # the bundled public-suffix snapshot only: never fetch the list from the internet
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def site_domains(urls: list[str]) -> list[str]:
    """Registered domains of the URLs (news.people.com.cn -> people.com.cn); IPs as they are."""
    out: list[str] = []
    for url in urls:
        host = (urlsplit(url).hostname or "").lower()
        if not host:
            continue
        parts = _tld_extract()(host)
        domain = getattr(parts, "top_domain_under_public_suffix", None) or parts.registered_domain or host
        if domain not in out:
            out.append(domain)
    return out


def html_to_text(fragment: str) -> str:
    """API texts carry HTML (links, <br>): keep the words only."""
    fragment = fragment.replace("<br />", "\n").replace("<br/>", "\n").replace("<br>", "\n")
    return replace_entities(remove_tags(fragment)).strip()


class SourceSpider(scrapy.Spider):
    source: ClassVar[SourceConfig]
    custom_settings: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.source.allowed_domains:
            self.allowed_domains = list(self.source.allowed_domains)
        elif self.source.kind in ("html", "sitemap"):
            # pages found by following links stay on the source's own site (any subdomain)
            self.allowed_domains = site_domains(self.source.start_urls)
        self.pages_ok = 0
        self.errors: list[str] = []
        self.errors_total = 0
        self.robots_denied = 0

    async def start(self) -> Any:
        # Scrapy 2.13's asynchronous start; each kind lists its first requests
        for request in self.initial_requests():
            yield request

    def initial_requests(self) -> Any:
        return []

    # ---- collaborators -------------------------------------------------------------
    @property
    def context(self) -> CrawlContext:
        return get_context(self.crawler)

    def known(self, urls: list[str]) -> set[str]:
        """Canonical URLs already stored (so they are not fetched again)."""
        if not urls:
            return set()
        # this run's items may still be on their way to the store (the pipeline's worker)
        this_run = run_urls(self.crawler)
        known = {u for u in urls if u in this_run}
        ask = [u for u in urls if u not in known]
        if not ask:
            return known
        try:
            return known | set(self.context.store.known_urls(ask))
        except Exception as exc:  # a store hiccup must not stop the crawl; fetch again
            self.record_error(f"store.known_urls failed: {exc}")
            return known

    # ---- errors and health ---------------------------------------------------------
    def record_error(self, message: str) -> None:
        self.errors_total += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)
        self.crawler.stats.inc_value("yuqing/errors")
        log.warning("[%s] %s", self.name, message)

    def page_ok(self) -> None:
        self.pages_ok += 1
        self.crawler.stats.inc_value("yuqing/pages_ok")

    def on_error(self, failure: Failure) -> None:
        """Errback of every request: log per source and go on with the others."""
        from scrapy.exceptions import IgnoreRequest

        request = failure.request if hasattr(failure, "request") else None
        url = request.url if request is not None else "?"
        if failure.check(HttpError):
            response = failure.value.response
            self.record_error(f"HTTP {response.status} for {response.url}")
        elif failure.check(IgnoreRequest):
            # robots.txt said no: polite, not broken
            self.robots_denied += 1
            self.crawler.stats.inc_value("yuqing/robots_denied")
            log.info("[%s] not fetched (robots.txt or filter): %s", self.name, url)
        else:
            reason = failure.getErrorMessage() or failure.type.__name__
            self.record_error(f"{failure.type.__name__} for {url}: {reason}")

    def text_response(self, response: Response) -> TextResponse:
        return as_text_response(response, self.source.encoding)

    def request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        return Request(url, callback=callback, errback=self.on_error, **kwargs)

    # ---- fields ----------------------------------------------------------------------
    def parse_date(self, text: str | None) -> datetime | None:
        if not text:
            return None
        if self.source.date_format:
            try:
                naive = datetime.strptime(text.strip(), self.source.date_format)
            except ValueError:
                return parse_datetime(text, timezone=self.source.timezone)
            if naive.tzinfo is None:
                naive = naive.replace(tzinfo=ZoneInfo(self.source.timezone))
            return naive.astimezone(UTC)
        return parse_datetime(text, timezone=self.source.timezone)

    def make_item(self, *, url: str, title: str = "", text: str = "", author: str | None = None,
                  published_at: datetime | None = None, native_id: str | None = None,
                  reposts: int | None = None, comments: int | None = None,
                  likes: int | None = None, keyword: str | None = None) -> dict[str, Any]:
        return {
            "url": canonical_url(url), "source": self.source.name, "source_type": self.source.kind,
            "title": (title or "").strip(), "text": (text or "").strip(), "author": author,
            "published_at": published_at, "native_id": native_id, "reposts": reposts,
            "comments": comments, "likes": likes, "keyword": keyword,
        }

    # ---- article pages (shared by html, rss, sitemap and html search) ------------------
    def parse_article(self, response: Response, **hints: Any) -> Any:
        """An article page: configured selectors first, extract_article for what they miss."""
        try:
            resp = self.text_response(response)
            sel = self.source.article
            title = select_first(resp, sel.title) if sel.title else None
            text = "\n".join(select_all(resp, sel.content)) if sel.content else ""
            published = self.parse_date(select_first(resp, sel.published)) if sel.published else None
            author = select_first(resp, sel.author) if sel.author else None
            if not (title and text and published):
                from ..extract import extract_article

                art = extract_article(resp.text, resp.url, encoding=None,
                                      selectors=sel.as_dict() or None, timezone=self.source.timezone)
                title = title or art.title
                text = text or art.text
                published = published or art.published_at
                author = author or art.author
        except Exception as exc:  # malformed page: log it, keep crawling the rest
            self.record_error(f"cannot parse article {response.url}: {type(exc).__name__}: {exc}")
            return None
        title = title or hints.get("title") or ""
        published = published or hints.get("published_at")
        if not text or text.strip() == title.strip():
            # a page without body text is a broken or script-only page: nothing to judge
            self.record_error(f"no article text found at {response.url}")
            return None
        self.page_ok()
        return self.make_item(url=hints.get("item_url") or response.url, title=title, text=text,
                              author=author, published_at=published, keyword=hints.get("keyword"))
