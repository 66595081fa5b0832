"""End-to-end crawls over real HTTP on 127.0.0.1: every source kind, then an incremental re-crawl."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawlpages import ARTICLES, build_news_site, news_sources

from store import ItemQuery


def _all(store, **kw):
    return store.search_items(ItemQuery(size=100, include_duplicates=True, **kw)).items


def test_every_kind_then_incremental_recrawl(site, crawl):
    build_news_site(site)
    crawl.write_sources(news_sources(site.base))
    before = datetime.now(UTC)
    report = crawl.run([])
    by = report["by_name"]
    assert report["exit"] == 0, crawl.last_log[-3000:]
    for name in ("t_rss", "t_atom", "t_list", "t_api", "t_cursor", "t_sitemap", "t_search", "t_search_html"):
        assert by[name]["ok"], (name, by[name])

    store = crawl.store()
    items = {i.url: i for i in _all(store)}
    b = site.base
    # RSS: short summaries completed from the article page; a long one used as is
    assert items[f"{b}/news/1.html"].title == ARTICLES[1][0]
    assert ARTICLES[1][1] in items[f"{b}/news/1.html"].text
    assert items[f"{b}/news/1.html"].published_at == datetime(2025, 11, 20, 1, 15, tzinfo=UTC)  # page: 09:15 +08
    assert site.count("/news/9.html") == 0 and ARTICLES[9][1] in items[f"{b}/news/9.html"].text
    # Atom, with the tracking parameter dropped from the URL
    atom = items[f"{b}/atom/10.html"]
    assert atom.published_at == datetime(2025, 11, 19, 18, 30, tzinfo=UTC)
    # list -> articles with pagination; tracking params gone; robots.txt obeyed
    assert f"{b}/news/3.html" in items and f"{b}/news/4.html" in items and f"{b}/news/5.html" in items
    assert site.count("/news/list_2.html") == 1
    assert site.count("/private/") == 0
    assert not any("/private/" in u for u in items)
    # JSON API: both pages, counts, relative times in UTC (source zone Asia/Shanghai)
    api = {i.url.rsplit("/", 1)[-1]: i for i in items.values() if i.source == "t_api"}
    assert set(api) == {"5001", "5002", "5003"}
    assert api["5003"].reposts == 12000 and api["5003"].comments == 300 and api["5003"].likes == 88
    assert api["5001"].reposts == 12 and api["5001"].author == "用户5001"
    assert before - timedelta(minutes=5) <= api["5001"].published_at <= datetime.now(UTC)
    assert api["5002"].published_at.astimezone(UTC).minute == 30
    assert api["5002"].published_at.hour == 10  # 18:30 Beijing is 10:30 UTC
    # cursor paging: the second page comes from the cursor the first answer gave
    assert site.count("/api/feed?since_id=c2") == 1
    cur = items[f"{b}/m/7002"]
    assert cur.author == "家长" and cur.published_at == datetime(2025, 11, 20, 0, 0, tzinfo=UTC)
    assert cur.reposts is None
    # every request carried the configured user agent
    assert set(site.agents) == {"YuqingSentinel/0.1 (+public-opinion monitoring; contact: admin@localhost)"}
    # sitemap with the follow filter; text from extract_article (no selectors configured)
    sm = items[f"{b}/sm/a.html"]
    assert "留守儿童" in sm.text and "版权所有" not in sm.text
    assert site.count("/other/") == 0
    # keyword search source: one request per watch term
    searched = [i for i in items.values() if i.source == "t_search"]
    assert sorted(i.text[2:4] for i in searched) == sorted(["家暴", "拐卖"])
    # keyword search with HTML result pages, paged through the {page} template
    assert items[f"{b}/kw/11.html"].title == ARTICLES[11][0] and f"{b}/kw/12.html" in items
    assert site.count("/sh?kw=%E6%8B%90%E5%8D%96&p=3") == 1  # page 3 asked, found nothing
    assert site.count("/sh?kw=%E5%AE%B6%E6%9A%B4&p=2") == 0  # an empty result page ends paging
    # classified, handed on to alerts, health recorded
    dv = items[f"{b}/news/3.html"]
    assert dv.relevant is True and dv.category == "domestic_violence" and dv.model_version == "test-keywords-1"
    assert set(crawl.handed_on()) == {i.id for i in items.values()}
    health = {h.source: h for h in store.source_health()}
    assert health["t_list"].last_success_at is not None and health["t_list"].last_error is None
    assert health["t_list"].items_last_24h == 3

    # Re-crawl: nothing new is stored, known articles are not fetched again, paging stops
    stored_before = len(items)
    article_hits = site.count("/news/3.html")
    report2 = crawl.run([])
    assert report2["exit"] == 0
    assert sum(s["stored"] for s in report2["sources"]) == 0
    assert len(_all(store)) == stored_before
    assert site.count("/news/3.html") == article_hits
    assert site.count("/news/list_2.html") == 1  # page 1 held only known items
    assert site.count("/api/search?q=x&page=2") == 1
    assert len(crawl.handed_on()) == stored_before
    store.close()
