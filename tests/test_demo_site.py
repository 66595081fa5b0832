"""The demo site over real HTTP on 127.0.0.1: every route answers and parses the way
config/demo_sources.yaml expects, and scheduled content appears as time passes."""

from __future__ import annotations

import email.utils
import json
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urljoin

import pytest
from parsel import Selector

from crawlers.dates import parse_datetime
from crawlers.extract import extract_article
from service.demo_site import make_server
from service.demo_site.site import all_paths

START = datetime(2026, 11, 26, 6, 0, tzinfo=UTC).timestamp()  # 14:00 in Shanghai


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return START + self.offset


@pytest.fixture
def demo() -> Iterator[tuple[str, Clock]]:
    clock = Clock()
    server, base = make_server("127.0.0.1", 0, start=START, clock=clock)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, clock
    finally:
        server.shutdown()
        server.server_close()


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def page(url: str) -> Selector:
    status, _, body = get(url)
    assert status == 200, url
    return Selector(text=body.decode("utf-8"))


def test_binds_loopback_on_a_free_port() -> None:
    server, base = make_server()
    try:
        assert base.startswith("http://127.0.0.1:") and not base.endswith(":0")
    finally:
        server.server_close()


def test_every_listed_path_answers(demo: tuple[str, Clock]) -> None:
    base, _ = demo
    server, _ = make_server(start=START, clock=lambda: START)  # only to list the same paths
    paths = list(all_paths(server.site))  # type: ignore[attr-defined]
    server.server_close()
    assert len(paths) > 130
    for path in paths:
        status, ctype, body = get(base + quote(path, safe="/?=&"))
        assert status == 200, path
        assert body, path
    assert get(base + "/news/n9999.html")[0] == 404
    assert get(base + "/admin/")[0] == 403


def test_robots_allows_all_but_admin(demo: tuple[str, Clock]) -> None:
    base, _ = demo
    rp = urllib.robotparser.RobotFileParser(base + "/robots.txt")
    rp.read()
    assert rp.can_fetch("YuqingSentinel", base + "/news/list_1.html")
    assert rp.can_fetch("YuqingSentinel", base + "/api/search?q=x")
    assert not rp.can_fetch("YuqingSentinel", base + "/admin/users")


def test_news_lists_and_articles_parse_with_the_demo_selectors(demo: tuple[str, Clock]) -> None:
    base, _ = demo
    url, links, lists = base + "/news/list_1.html", [], 0
    while url and lists < 20:
        sel = page(url)
        lists += 1
        rows = sel.css("ul.news-list li")
        assert 0 < len(rows) <= 10
        for row in rows:
            links.append(urljoin(url, row.css("a::attr(href)").get()))
            assert parse_datetime(row.css("span.date::text").get()) is not None
        nxt = sel.css("a.next::attr(href)").get()
        url = urljoin(url, nxt) if nxt else None
    assert lists >= 4 and len(links) >= 40 and len(set(links)) == len(links)
    traditional = 0
    for link in links:
        status, ctype, body = get(link)
        assert status == 200 and "charset=utf-8" in ctype
        sel = Selector(text=body.decode("utf-8"))
        title = sel.css("h1.title::text").get()
        when = parse_datetime(sel.css("div.info span.time::text").get())
        paras = sel.css("div.content p::text").getall()
        assert title and when and paras and sel.css("div.info span.source::text").get()
        assert when <= datetime.fromtimestamp(START, UTC)  # nothing from the future yet
        # the automatic extractor agrees with the selectors on our own pages
        art = extract_article(body, link)
        assert art.title == title and art.published_at == when
        assert all(p in art.text for p in paras)
        traditional += "們" in "".join(paras) or "團體" in "".join(paras) or "臺" in title or "台灣" in title
    assert traditional >= 2


def test_gbk_section_needs_the_meta_charset(demo: tuple[str, Clock]) -> None:
    base, _ = demo
    status, ctype, body = get(base + "/gbk/list_1.html")
    assert status == 200 and "charset" not in ctype  # only the page itself says gbk
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    sel = Selector(text=body.decode("gbk"))
    assert sel.css("meta[http-equiv]::attr(content)").get().endswith("charset=gbk")
    hrefs = sel.css("ul.news-list li a::attr(href)").getall()
    assert len(hrefs) >= 5
    status, _, article = get(urljoin(base, hrefs[0]))
    expected = Selector(text=article.decode("gbk")).css("h1.title::text").get()
    art = extract_article(article, hrefs[0])  # bytes: decoded from the meta charset
    assert art.title == expected and "区" in art.text


def test_rss_and_sitemap(demo: tuple[str, Clock]) -> None:
    base, _ = demo
    status, ctype, body = get(base + "/rss.xml")
    root = ET.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    items = root.findall("./channel/item")
    assert 10 <= len(items) <= 20
    for item in items:
        assert email.utils.parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
        assert get(item.findtext("link"))[0] == 200
    status, _, body = get(base + "/sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [u.findtext("s:loc", namespaces=ns) for u in ET.fromstring(body).findall("s:url", ns)]
    assert any("/news/" in u for u in locs) and any("/forum/thread-" in u for u in locs)
    assert any("/gbk/" in u for u in locs)
    for loc in locs:
        assert get(loc)[0] == 200


def search(base: str, q: str, page: int = 1) -> dict:
    status, ctype, body = get(f"{base}/api/search?q={quote(q)}&page={page}")
    assert status == 200 and ctype.startswith("application/json")
    return json.loads(body)


def test_weibo_like_search(demo: tuple[str, Clock]) -> None:
    base, _ = demo
    now = datetime.fromtimestamp(START, UTC)
    data = search(base, "家暴")
    assert data["ok"] == 1
    cards = data["data"]["cards"]
    assert 0 < len(cards) <= 10
    for card in cards:
        blog = card["mblog"]
        assert isinstance(blog["id"], str) and "家暴" in blog["text"]
        assert blog["user"]["screen_name"]
        assert all(isinstance(blog[k], int) for k in ("reposts_count", "comments_count", "attitudes_count"))
        when = parse_datetime(blog["created_at"], now=now)
        assert when is not None and now - timedelta(days=400) < when <= now
    # paging: page numbers until null, 10 a page, no repeats
    seen, page_no, pages = [], 1, 0
    while page_no and pages < 20:
        data = search(base, "", page_no)
        seen += [c["mblog"]["id"] for c in data["data"]["cards"]]
        page_no = data["data"]["cardlistInfo"]["page"]
        pages += 1
    assert len(seen) >= 60 and len(set(seen)) == len(seen) and pages >= 6
    # relative and absolute created_at forms all occur
    forms = {c["mblog"]["created_at"][-3:] for c in search(base, "", 1)["data"]["cards"]}
    assert any(f.endswith("前") for f in forms)
    # a Traditional post is found by a Simplified keyword
    assert any("學" in c["mblog"]["text"] for c in search(base, "校巴")["data"]["cards"])
    status, _, body = get(f"{base}/api/search?q=x&page=abc")
    assert status == 400 and json.loads(body)["ok"] == 0


def test_hostile_post_text_is_served_raw_in_json_and_cleaned_in_html(demo: tuple[str, Clock]) -> None:
    base, _ = demo
    raw = [c["mblog"] for c in search(base, "培训机构出事")["data"]["cards"]]
    assert raw and "<script>" in raw[0]["text"]  # the API hands over what users typed
    status, _, body = get(f"{base}/status/{raw[0]['id']}")
    assert status == 200 and b"<script>" not in body and b"onerror" not in body


def test_forum(demo: tuple[str, Clock]) -> None:
    base, _ = demo
    sel = page(base + "/forum/forum-1.html")
    threads = sel.css("table.threads a.thread::attr(href)").getall()
    nxt = sel.css("a.next::attr(href)").get()
    if nxt:
        threads += page(urljoin(base + "/forum/", nxt)).css("table.threads a.thread::attr(href)").getall()
    assert len(threads) >= 10
    for href in threads:
        sel = page(urljoin(base + "/forum/", href))
        posts = sel.css("div.post")
        assert len(posts) >= 2
        for post in posts:
            assert post.css("div.message::text").get()
            assert parse_datetime(post.css("span.post-time::text").get()) is not None


def test_new_content_appears_as_time_passes(demo: tuple[str, Clock]) -> None:
    base, clock = demo
    start = datetime.fromtimestamp(START, UTC)
    before = set(page(base + "/news/list_1.html").css("ul.news-list li a::attr(href)").getall())
    assert get(base + "/news/n1003.html")[0] == 404  # the official response comes later
    ids_before = {c["mblog"]["id"] for c in search(base, "针扎事件")["data"]["cards"]}
    clock.offset = 8 * 60
    after = set(page(base + "/news/list_1.html").css("ul.news-list li a::attr(href)").getall())
    assert "/news/n1003.html" in after - before
    sel = page(base + "/news/n1003.html")
    assert parse_datetime(sel.css("div.info span.time::text").get()) == start + timedelta(minutes=6)
    new = [c["mblog"] for c in search(base, "针扎事件")["data"]["cards"] if c["mblog"]["id"] not in ids_before]
    assert [b["id"] for b in new] == ["5016"]
    assert new[0]["created_at"] == "刚刚"
    clock.offset = 10 * 60
    assert [c["mblog"]["created_at"] for c in search(base, "针扎事件")["data"]["cards"]
            if c["mblog"]["id"] == "5016"] == ["2分钟前"]


def test_real_clock_default() -> None:
    server, base = make_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        status, _, body = get(base + "/news/list_1.html")
        assert status == 200
        first = Selector(text=body.decode()).css("ul.news-list li span.date::text").get()
        published = parse_datetime(first)
        assert published is not None and abs(time.time() - published.timestamp()) < 3 * 3600
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("command", [["-m", "service.demo_site", "--port", "0"],
                                     ["-m", "service.cli", "demo-site", "--port", "0"]])
def test_run_by_hand(command: list[str]) -> None:
    import subprocess
    import sys
    from pathlib import Path

    proc = subprocess.Popen([sys.executable, *command], cwd=Path(__file__).resolve().parents[1],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # "演示站点已启动：http://127.0.0.1:PORT/ ..."
        base = line.split("：", 1)[1].split("/  ", 1)[0].strip().rstrip("/")
        assert base.startswith("http://127.0.0.1:")
        assert get(base + "/robots.txt")[0] == 200
    finally:
        proc.terminate()
        proc.wait(10)
