"""Distributed crawling: two crawler processes share one scrapy-redis queue on a real Redis."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
from crawlpages import list_html
from crawlrun import REPO

from store import ItemQuery

pytestmark = pytest.mark.redis

PAGES, PER_PAGE = 5, 8


@pytest.fixture
def redis_url() -> str:
    import redis

    url = os.environ.get("YUQING_REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {url} ({exc}); start it with scripts/redis.sh start")
    return url


def _article(n: int) -> str:
    # distinct texts: no two pages may look like duplicates of each other
    words = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
    body = "".join(words[(n * 7 + i * (n % 5 + 1)) % len(words)] + str(n * 31 + i) for i in range(30))
    return (f"<html><head><meta charset='utf-8'></head><body><h1 class='title'>第{n}号通报</h1>"
            f"<div class='info'><span class='time'>2025-11-2{n % 10} 08:00</span></div>"
            f"<div class='content'><p>编号{n}：{body}</p></div></body></html>")


def test_two_processes_fetch_each_page_once(site, crawl, redis_url):
    import redis

    site.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    n = 0
    for p in range(1, PAGES + 1):
        links = []
        for _ in range(PER_PAGE):
            n += 1
            links.append((f"/q/a{n}.html", f"通报{n}"))
            site.add(f"/q/a{n}.html", _article(n), delay=0.2)
        nxt = f"list_{p + 1}.html" if p < PAGES else None
        site.add(f"/q/list_{p}.html", list_html(links, nxt), delay=0.2)
    crawl.write_sources(f"""
sources:
  - name: t_dist
    kind: html
    start_urls: ["{site.base}/q/list_1.html"]
    list: {{link: "ul.news-list a::attr(href)", next: "a.next::attr(href)"}}
    article: {{title: "h1.title::text", published: "div.info span.time::text", content: "div.content p"}}
    pagination: {{max_pages: {PAGES}}}
""")
    job = f"test-{uuid.uuid4().hex[:8]}"
    extra = {"YUQING_REDIS_URL": redis_url, "YUQING_CRAWL_JOB": job, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    procs = [subprocess.Popen(crawl.command(["t_dist"], extra), cwd=REPO,
                              env=crawl.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    import json

    reports = []
    for (out, err), p in zip(outs, procs, strict=True):
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        assert lines, err[-3000:]
        reports.append(json.loads(lines[-1])["sources"][0])
        assert p.returncode == 0, err[-3000:]

    # every page fetched exactly once across both processes
    for i in range(1, n + 1):
        assert site.hits[f"/q/a{i}.html"] == 1, (i, site.hits[f"/q/a{i}.html"])
    for p in range(1, PAGES + 1):
        assert site.hits[f"/q/list_{p}.html"] == 1
    # the work was shared, and every item stored once
    assert all(r["items_scraped"] >= 1 for r in reports), reports
    assert sum(r["stored"] for r in reports) == n
    items = crawl.store().search_items(ItemQuery(size=200, include_duplicates=True)).items
    assert len(items) == n == len({i.url for i in items})
    # the last worker out cleared the job's queue and seen-set
    r = redis.Redis.from_url(redis_url)
    assert r.keys(f"yuqing:{job}:*") == []
