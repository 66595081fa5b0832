"""The classify + store stage of the item pipeline: batches, store failures, the worker process.

Real SQLite stores, a real (keyword) classifier, real child processes, and crawls over real
HTTP on 127.0.0.1.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from crawlctx import make_context
from crawlpages import ARTICLES, article_html, build_news_site, list_html, news_sources
from crawlrun import Crawl
from scrapy.settings import Settings
from workerctx import faulty_context

from crawlers.worker import BatchResult, StoreWorker, process_batch
from store import Item, ItemQuery, item_id_for

SEL = '{title: "h1.title::text", published: "div.info span.time::text", content: "div.content p"}'


def _item(n: int, *, url: str | None = None, text: str | None = None, duplicate_of: str | None = None) -> Item:
    url = url or f"http://127.0.0.1/t/{n}.html"
    return Item(id=item_id_for(url), url=url, source="t_src", source_type="html", title=f"第{n}篇",
                text=text or f"第{n}篇：某区一名女子遭受家暴，妇联已介入并提供法律援助。", duplicate_of=duplicate_of)


def _settings(tmp_path: Path) -> dict[str, str]:
    return {"YUQING_TEST_DB": str(tmp_path / "store.db"), "YUQING_TEST_HANDOFF": str(tmp_path / "handoff.jsonl")}


def _handed_on(tmp_path: Path) -> list[str]:
    path = tmp_path / "handoff.jsonl"
    if not path.exists():
        return []
    return [i for line in path.read_text(encoding="utf-8").splitlines() for i in json.loads(line)]


def _wait(worker: StoreWorker, done, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "the worker did not answer in time"
        worker.poll()
        time.sleep(0.05)


def test_a_failing_batch_is_retried_item_by_item(tmp_path):
    ctx = faulty_context(Settings(_settings(tmp_path)))
    a, b = _item(1), _item(2)
    poison = _item(3, url="http://127.0.0.1/t/poison.html")
    dup = _item(4, text=a.text, duplicate_of=a.id)
    result = process_batch(ctx, [a, poison, b, dup])
    assert (result.stored, result.duplicates) == (2, 1)
    assert len(result.errors) == 1 and "poison.html" in result.errors[0]
    stored = ctx.store
    assert stored.get_item(poison.id) is None
    first = stored.get_item(a.id)
    assert first.spread_count == 1 and first.category == "domestic_violence"
    assert stored.get_item(dup.id).duplicate_of == a.id and stored.get_item(dup.id).category is None
    assert sorted(_handed_on(tmp_path)) == sorted([a.id, b.id])  # duplicates are not handed on
    stored.close()


def test_worker_process_stores_every_batch(tmp_path):
    worker = StoreWorker("crawlctx.make_context", _settings(tmp_path), max_batches=2)
    answers: list[tuple[BatchResult | None, list[str]]] = []
    worker.handlers["k"] = lambda result, items: answers.append((result, [i.id for i in items]))
    batches = [[_item(b * 10 + i) for i in range(10)] for b in range(6)]
    try:
        for batch in batches:  # more batches than the queue holds: submit waits for room
            assert worker.submit("k", batch)
        _wait(worker, lambda: not worker.pending)
    finally:
        worker.stop()
    assert all(result is not None for result, _ids in answers)
    assert sorted(i for _r, ids in answers for i in ids) == sorted(i.id for b in batches for i in b)
    assert sum(r.stored for r, _ids in answers) == 60
    assert sum(r.classified for r, _ids in answers) == 60
    store = make_context(Settings(_settings(tmp_path))).store
    items = store.search_items(ItemQuery(size=100)).items
    assert len(items) == 60 and {i.category for i in items} == {"domestic_violence"}
    assert len(_handed_on(tmp_path)) == 60
    store.close()


def test_worker_that_cannot_start_hands_its_batches_back(tmp_path):
    worker = StoreWorker("workerctx.broken_context", _settings(tmp_path))
    back: list[list[str]] = []
    worker.handlers["k"] = lambda result, items: back.append([i.id for i in items]) if result is None else None
    batch = [_item(1), _item(2)]
    try:
        worker.submit("k", batch)
        _wait(worker, lambda: worker.dead)
    finally:
        worker.stop()
    assert back == [[i.id for i in batch]]
    assert not worker.submit("k", [_item(3)])  # gone: the caller processes inline


def test_killed_worker_loses_no_batch(tmp_path):
    worker = StoreWorker("crawlctx.make_context", _settings(tmp_path), max_batches=50)
    seen: list[tuple[int, bool]] = []
    worker.handlers["k"] = lambda result, items: seen.append((int(items[0].url.rsplit("/", 1)[1].split(".")[0]),
                                                              result is not None))
    try:
        _wait(worker, lambda: worker.ready)
        for b in range(20):
            worker.submit("k", [_item(b * 100 + i) for i in range(20)])
        worker.process.kill()  # our own child, mid-run
        _wait(worker, lambda: worker.dead)
    finally:
        worker.stop()
    # every batch answered by the worker or handed back to the crawl process, exactly once
    assert sorted(n for n, _ok in seen) == [b * 100 for b in range(20)]
    assert not worker.pending


def test_worker_and_inline_store_the_same(site, tmp_path):
    build_news_site(site)
    results = {}
    for mode in ("inline", "process"):
        crawl = Crawl(tmp_path / mode)
        crawl.tmp.mkdir()
        crawl.write_sources(news_sources(site.base))
        report = crawl.run([], {"YUQING_PIPELINE_WORKER": mode, "YUQING_BATCH_SIZE": 3})
        assert report["exit"] == 0, crawl.last_log[-3000:]
        store = crawl.store()
        items = store.search_items(ItemQuery(size=200, include_duplicates=True)).items
        results[mode] = {
            "items": {i.url: (i.title, i.text, i.category, i.relevant, i.risk, i.content_hash,
                              i.duplicate_of, i.spread_count) for i in items},
            "handed_on": sorted(crawl.handed_on()),
            "stored": sorted((s["name"], s["stored"], s["duplicates"]) for s in report["sources"]),
        }
        store.close()
    assert results["inline"]["items"] and results["inline"] == results["process"]


def test_store_failure_in_a_crawl_is_recorded_for_the_source(site, crawl):
    site.add("/robots.txt", "", "text/plain")
    site.add("/w/list.html", list_html([("1.html", "a"), ("poison.html", "b"), ("2.html", "c")], None))
    site.add("/w/1.html", article_html(1))
    site.add("/w/poison.html", article_html(3))
    site.add("/w/2.html", article_html(2))
    crawl.write_sources(f"""
sources:
  - {{name: t_w, kind: html, start_urls: ["{site.base}/w/list.html"], list: {{link: "ul.news-list a::attr(href)"}}, article: {SEL}}}
""")
    report = crawl.run(["t_w"], {"YUQING_CONTEXT_FACTORY": "workerctx.faulty_context"})
    src = report["by_name"]["t_w"]
    assert src["stored"] == 2 and src["errors"] == 1
    assert any("store failed" in m and "poison.html" in m for m in src["error_messages"])
    store = crawl.store()
    texts = {i.url.rsplit("/", 1)[1]: i.text for i in store.search_items(ItemQuery(size=10)).items}
    assert set(texts) == {"1.html", "2.html"} and ARTICLES[1][1] in texts["1.html"]
    assert len(crawl.handed_on()) == 2
    store.close()
