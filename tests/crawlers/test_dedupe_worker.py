"""Near-duplicate work where items are stored: crawlers.dedupe.Deduper, in the pipeline's
worker process (or inline), and the crawl process's memory of this run's URLs.

Real SQLite stores, a real child process, a real crawl over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import time
from pathlib import Path

from crawlctx import make_context
from crawlpages import ARTICLES, list_html
from scrapy.settings import Settings

from crawlers.context import run_urls
from crawlers.dedupe import Deduper
from crawlers.worker import StoreWorker, process_batch
from store import Item, item_id_for

BASE = ("近日，某街道一名女子因长期遭受丈夫殴打向派出所求助。民警调查后依法对施暴者出具家庭暴力告诫书，"
        "并联系妇联提供心理疏导和法律援助。")
OTHER = "周末，图书馆少儿阅览室举办亲子阅读节，近百组家庭参加了绘本共读、手工制作和故事表演，现场气氛热烈。"


def _item(name: str, text: str, title: str = "标题") -> Item:
    url = f"http://127.0.0.1/d/{name}.html"
    return Item(id=item_id_for(url), url=url, source="t_src", source_type="html", title=title, text=text)


def _settings(tmp_path: Path) -> dict[str, str]:
    return {"YUQING_TEST_DB": str(tmp_path / "store.db"), "YUQING_TEST_HANDOFF": str(tmp_path / "handoff.jsonl")}


def test_copies_in_one_batch_and_of_stored_items_link_to_the_first_copy(tmp_path):
    ctx = make_context(Settings(_settings(tmp_path)))
    first = _item("1", BASE)
    exact = _item("2", BASE.replace("，", ", ").replace("。", "! "))
    near = _item("3", "转发：" + BASE.replace("殴打", "打骂") + " #反家暴#")
    other = _item("4", OTHER)
    result = process_batch(ctx, [first, exact, near, other], Deduper(ctx.store))
    assert (result.duplicates_exact, result.duplicates_near) == (1, 1)
    assert (result.stored, result.duplicates) == (2, 2)
    assert exact.duplicate_of == first.id and near.duplicate_of == first.id
    assert first.duplicate_of is None and other.duplicate_of is None
    assert first.content_hash and first.content_hash == exact.content_hash != other.content_hash
    assert ctx.store.get_item(first.id).spread_count == 2
    # a later run (a new Deduper) finds the stored first copy: seeded index and hash lookup
    later = Deduper(ctx.store)
    again_exact, again_near = _item("5", BASE + " "), _item("6", "【转】" + BASE.replace("求助", "报警求助"))
    assert later.mark([again_exact, again_near]) == (1, 1)
    assert again_exact.duplicate_of == first.id and again_near.duplicate_of == first.id
    ctx.store.close()


def test_prepare_sets_the_script_of_traditional_text(tmp_path):
    ctx = make_context(Settings(_settings(tmp_path)))
    trad = _item("t", "家庭暴力受害婦女獲得保護令，社工協助安置，並由律師提供法律諮詢服務。", title="婦女獲保護令")
    simp = _item("s", OTHER)
    process_batch(ctx, [trad, simp], Deduper(ctx.store))
    assert ctx.store.get_item(trad.id).script == "traditional"
    assert ctx.store.get_item(simp.id).script == "simplified"
    ctx.store.close()


def test_worker_process_finds_duplicates_across_batches(tmp_path):
    worker = StoreWorker("crawlctx.make_context", _settings(tmp_path), max_batches=2)
    answers = []
    worker.handlers["k"] = lambda result, items: answers.append(result)
    first, near = _item("1", BASE), _item("2", "转发：" + BASE.replace("殴打", "打骂"))
    try:
        assert worker.submit("k", [first, _item("3", OTHER)], dedupe=True)
        assert worker.submit("k", [near], dedupe=True)
        deadline = time.monotonic() + 60
        while worker.pending:
            assert time.monotonic() < deadline, "the worker did not answer in time"
            worker.poll()
            time.sleep(0.05)
    finally:
        worker.stop()
    assert all(r is not None for r in answers)
    assert sum(r.stored for r in answers) == 2 and sum(r.duplicates_near for r in answers) == 1
    store = make_context(Settings(_settings(tmp_path))).store
    assert store.get_item(near.id).duplicate_of == first.id
    assert store.get_item(first.id).spread_count == 1
    store.close()


def test_run_urls_are_kept_per_crawler():
    class Crawler:
        pass

    a, b = Crawler(), Crawler()
    run_urls(a).add("http://127.0.0.1/x.html")
    assert run_urls(a) == {"http://127.0.0.1/x.html"} and run_urls(b) == set()


def test_paging_stops_at_items_of_this_run(site, crawl):
    # list 2 repeats list 1's articles: they are this run's, maybe not stored yet, and paging stops there
    site.add("/robots.txt", "", "text/plain")
    site.add("/p/list_1.html", list_html([("a1.html", "a"), ("a2.html", "b")], "list_2.html"))
    # answered late, so this run's articles have been scraped (not necessarily stored) by then
    site.add("/p/list_2.html", list_html([("a1.html", "a"), ("a2.html", "b")], "list_3.html"), delay=1.5)
    site.add("/p/list_3.html", list_html([("a3.html", "c")], None))
    for n in (1, 2, 3):
        title, text = ARTICLES[n]
        site.add(f"/p/a{n}.html", f"<html><head><title>{title}</title></head><body><h1 class=\"title\">{title}</h1>"
                 f"<div class=\"content\"><p>{text}</p></div></body></html>")
    crawl.write_sources(f"""
sources:
  - {{name: t_pages, kind: html, start_urls: ["{site.base}/p/list_1.html"], list: {{link: "ul.news-list a::attr(href)", next: "a.next::attr(href)"}}, article: {{title: "h1.title::text", content: "div.content p"}}}}
""")
    assert crawl.run(["t_pages"])["exit"] == 0
    assert site.count("/p/list_2.html") == 1 and site.count("/p/list_3.html") == 0
    assert site.count("/p/a3.html") == 0
