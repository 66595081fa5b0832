"""`scrapy crawl NAME` from the repository root, and the `yuqing crawl` / `sources` commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crawlpages import ARTICLES, article_html, list_html
from crawlrun import REPO

from store import ItemQuery

BIN = Path(sys.executable).parent


def test_scrapy_crawl_name_from_repository_root(site, crawl):
    site.add("/robots.txt", "", "text/plain")
    site.add("/n/list.html", list_html([("1.html", "a"), ("2.html", "b")], None))
    site.add("/n/1.html", article_html(1))
    site.add("/n/2.html", article_html(2))
    crawl.write_sources(f"""
sources:
  - name: t_scrapy
    kind: html
    start_urls: ["{site.base}/n/list.html"]
    list: {{link: "ul.news-list a::attr(href)"}}
""")
    env = crawl.env()
    env["YUQING_SOURCES"] = str(crawl.sources)  # the spider loader reads the sources file from here
    cmd = [str(BIN / "scrapy"), "crawl", "t_scrapy",
           "-s", "YUQING_CONTEXT_FACTORY=crawlctx.make_context",
           "-s", f"YUQING_TEST_DB={crawl.db}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = crawl.store().search_items(ItemQuery(size=10)).items
    assert sorted(i.title for i in items) == sorted([ARTICLES[1][0], ARTICLES[2][0]])
    listed = subprocess.run([str(BIN / "scrapy"), "list"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=60)
    assert listed.stdout.split() == ["t_scrapy"]


def _yuqing(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "YUQING_ES_URL"}  # the test's SQLite store
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


def test_sources_commands(tmp_path):
    env = {"YUQING_SQLITE_PATH": str(tmp_path / "s.db"), "YUQING_DATA_DIR": str(tmp_path)}
    ok = _yuqing(["sources", "check"], env)
    assert ok.returncode == 0, ok.stderr
    assert "配置有效" in ok.stdout and "chinanews_society" in ok.stdout
    listed = _yuqing(["sources", "list"], env)
    assert listed.returncode == 0 and "people_society\trss\t启用" in listed.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {name: x_bad, kind: rss, interval: often, start_urls: ['http://x/']}\n")
    res = _yuqing(["sources", "check", str(bad)], env)
    assert res.returncode == 2 and "x_bad" in res.stderr and "interval" in res.stderr
    unknown = _yuqing(["crawl", "no_such_source"], env)
    assert unknown.returncode == 2 and "no_such_source" in unknown.stderr
