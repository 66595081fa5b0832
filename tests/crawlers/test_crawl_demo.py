"""config/demo_sources.yaml against the bundled demo site (service.demo_site) on 127.0.0.1."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from store import ItemQuery

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def demo_base():
    from service.demo_site import make_server

    server, base = make_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


def test_demo_sources_crawl_the_demo_site(crawl, demo_base):
    crawl.sources = REPO / "config" / "demo_sources.yaml"
    report = crawl.run([], {"YUQING_DEMO_BASE": demo_base})
    by = report["by_name"]
    assert set(by) == {"demo_rss", "demo_news", "demo_gbk", "demo_weibo", "demo_forum"}  # enabled ones
    for name, src in by.items():
        # demo_rss and demo_news reach the same articles: whichever source runs first
        # stores one, the other finds it already known (each article is stored once).
        assert src["ok"] and src["stored"] + src["already_known"] > 0 and src["errors"] == 0, (name, src)
    assert by["demo_rss"]["stored"] + by["demo_news"]["stored"] > 0
    items = crawl.store().search_items(ItemQuery(size=500, include_duplicates=True)).items
    gbk = [i for i in items if i.source == "demo_gbk"]
    assert all("\ufffd" not in i.title + i.text and any("\u4e00" <= c <= "\u9fff" for c in i.title) for i in gbk)
    weibo = [i for i in items if i.source == "demo_weibo"]
    assert all(i.published_at is not None and i.reposts is not None for i in weibo)
    forum = [i for i in items if i.source == "demo_forum"]
    assert all(i.author and i.text for i in forum)
    assert not any("/admin" in i.url for i in items)
