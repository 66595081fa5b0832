"""One spider class per source kind; crawlers.spiderloader makes a subclass per source."""

from __future__ import annotations

from ..config import SourceConfig
from .api import ApiSpider
from .base import SourceSpider
from .feed import FeedSpider
from .html import HtmlListSpider
from .search import SearchSpider
from .sitemap import SitemapSpider

SPIDER_BY_KIND: dict[str, type[SourceSpider]] = {
    "rss": FeedSpider,
    "html": HtmlListSpider,
    "json_api": ApiSpider,
    "sitemap": SitemapSpider,
    "search": SearchSpider,
}


def spider_class_for(source: SourceConfig) -> type[SourceSpider]:
    """A spider class named after the source, carrying its configuration."""
    base = SPIDER_BY_KIND[source.kind]
    cls_name = "".join(p.capitalize() for p in source.name.split("_")) + "Spider"
    return type(cls_name, (base,), {"name": source.name, "source": source,
                                    "__module__": base.__module__})


__all__ = ["SPIDER_BY_KIND", "SourceSpider", "spider_class_for"]
