"""Crawl benchmark (`make bench`): bare Scrapy against our full pipeline on one local site.

A child process serves N article pages (+ list pages of 20 links chained by `a.next`)
from memory over a small asyncio HTTP/1.1 server with keep-alive on 127.0.0.1. Then,
each in its own child process and with the same Scrapy throttling settings (AutoThrottle
off, no delay, the same concurrency, robots.txt obeyed):

- bare: a minimal spider (list -> article, CSS selectors, yields dicts, no pipelines);
- ours: our html spider from the sources file with the whole item pipeline (normalize,
  dedupe, classify with the active nlp model, store into a temporary SQLite store with its
  full-text index, hand stored items on), classify + store running in the pipeline's worker
  process as in production.

    python -m crawlers.bench [--pages 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

LINKS_PER_LIST = 20
REPO = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 1800  # seconds; a crawl that takes longer is broken, not slow

# ---------------------------------------------------------------------- the site

_SENTENCES = (
    "市妇联当天组织工作人员走访了辖区多个社区，了解妇女儿童权益保障情况。",
    "记者在现场看到，不少家长带着孩子前来咨询，工作人员逐一登记并耐心解答。",
    "据介绍，该项目自今年年初启动以来，已累计服务群众三千余人次。",
    "区教育局相关负责人表示，将进一步加强校园安全管理，完善家校沟通机制。",
    "警方提醒，市民如发现可疑情况，请第一时间拨打110报警。",
    "多位居民反映，附近道路施工影响出行，希望有关部门尽快恢复通行。",
    "专家建议，冬季应注意室内通风，老人和儿童要做好防寒保暖。",
    "该企业负责人称，今年订单量同比增长两成，新招聘员工一百余名。",
    "活动现场还设置了法律咨询台，律师为群众提供免费咨询服务。",
    "社区工作人员表示，将持续关注困难家庭，及时提供帮扶。",
    "据统计，全市今年新增普惠性幼儿园学位五千余个。",
    "不少网友在评论区留言，呼吁加强监管、公开调查结果。",
    "医院方面回应称，已成立专家组对诊疗过程进行复核。",
    "气象部门预计，未来三天本市以晴到多云天气为主，气温略有回升。",
    "该案件目前正在进一步侦办中，警方将依法严肃处理。",
    "学校已组织心理老师对相关学生进行疏导，并与家长保持沟通。",
    "近年来，本市持续推进城市更新，改造老旧小区两百余个。",
    "志愿者们分成多个小组，在公园、车站等地开展宣传活动。",
    "法院审理后认为，被告的行为侵犯了原告的合法权益，依法作出判决。",
    "据悉，相关部门将在全市范围内开展为期三个月的专项检查。",
    "家长们纷纷表示，这样的活动很有意义，希望今后多多举办。",
    "该线路开通后，沿线居民出行时间将缩短约二十分钟。",
    "记者从市场监管部门获悉，此次抽检共涉及食品样品一百余批次。",
    "业内人士分析，这一变化与消费需求回暖密切相关。",
)
_PLACES = ("和平区", "河东区", "河西区", "南开区", "河北区", "红桥区", "东丽区", "西青区",
           "津南区", "北辰区", "武清区", "宝坻区", "滨海新区", "宁河区", "静海区", "蓟州区")
_TOPICS = ("社区服务", "校园安全", "交通出行", "医疗卫生", "家庭教育", "法律援助", "城市建设",
           "市场监管", "就业招聘", "文化活动")


def _article_html(n: int, when: datetime) -> str:
    rng = random.Random(n)  # the same page every run
    place, topic = rng.choice(_PLACES), rng.choice(_TOPICS)
    title = f"{place}{topic}工作新进展（第{n}期）"
    paras = [f"{place}第{n}号通报：{rng.choice(_SENTENCES)}"]
    paras += [rng.choice(_SENTENCES) + f"（编号{n}-{i}）" for i in range(rng.randint(4, 8))]
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}_基准站</title></head>"
            f"<body><div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/list_1.html\">新闻</a></div>"
            f"<h1 class=\"title\">{title}</h1><div class=\"info\"><span class=\"time\">{when:%Y-%m-%d %H:%M}"
            f"</span> <span class=\"source\">来源：基准日报</span></div><div class=\"content\">{body}</div>"
            f"<div class=\"footer\">基准测试站点</div></body></html>")


def build_site(pages: int) -> dict[str, bytes]:
    """Path -> page bytes: /robots.txt, /list_N.html (20 links each), /a/N.html."""
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=8)
    site: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nDisallow: /admin/\n"}
    lists = max(1, -(-pages // LINKS_PER_LIST))
    for n in range(1, pages + 1):
        site[f"/a/{n}.html"] = _article_html(n, now - timedelta(minutes=n)).encode("utf-8")
    for page in range(1, lists + 1):
        ids = range((page - 1) * LINKS_PER_LIST + 1, min(page * LINKS_PER_LIST, pages) + 1)
        rows = "".join(f"<li><a href=\"/a/{n}.html\">文章{n}</a> <span class=\"date\">"
                       f"{now - timedelta(minutes=n):%Y-%m-%d %H:%M}</span></li>" for n in ids)
        nxt = f"<a class=\"next\" href=\"/list_{page + 1}.html\">下一页</a>" if page < lists else ""
        site[f"/list_{page}.html"] = (
            f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>列表{page}</title></head><body>"
            f"<ul class=\"news-list\">{rows}</ul>{nxt}</body></html>").encode()
    return site


async def _serve(site: dict[str, bytes], port: int) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, _, headers = head.decode("latin-1").partition("\r\n")
                method, path, _ = (request_line.split(" ") + ["", ""])[:3]
                body = site.get(path.split("?", 1)[0])
                status = b"200 OK" if body is not None else b"404 Not Found"
                body = body if body is not None else b"not found"
                ctype = b"text/plain" if path.endswith(".txt") or status != b"200 OK" else b"text/html; charset=utf-8"
                close = "connection: close" in headers.lower()
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype
                             + b"\r\nContent-Length: " + str(len(body)).encode()
                             + (b"\r\nConnection: close" if close else b"") + b"\r\n\r\n"
                             + (body if method != "HEAD" else b""))
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------------- the crawls


def _scrapy_settings(concurrency: int) -> dict[str, Any]:
    """The same throttling for both crawls."""
    return {
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "ROBOTSTXT_OBEY": True,
        "RETRY_TIMES": 0,
        "DOWNLOAD_TIMEOUT": 20,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "USER_AGENT": "YuqingSentinel-bench/0.1",
    }


def _bare(base: str, concurrency: int) -> dict[str, Any]:
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    class BareSpider(scrapy.Spider):
        name = "bare"
        start_urls = [f"{base}/list_1.html"]

        def parse(self, response: Any) -> Any:
            for href in response.css("ul.news-list li a::attr(href)").getall():
                yield response.follow(href, self.parse_article)
            nxt = response.css("a.next::attr(href)").get()
            if nxt:
                yield response.follow(nxt, self.parse)

        def parse_article(self, response: Any) -> Any:
            yield {
                "url": response.url,
                "title": response.css("h1.title::text").get(),
                "published": response.css("div.info span.time::text").get(),
                "text": "\n".join(response.css("div.content p::text").getall()),
            }

    items = 0

    def scraped(*_a: Any, **_k: Any) -> None:
        nonlocal items
        items += 1

    process = CrawlerProcess(_scrapy_settings(concurrency), install_root_handler=False)
    crawler = process.create_crawler(BareSpider)
    crawler.signals.connect(scraped, signal=signals.item_scraped)
    process.crawl(crawler)
    started, cpu = time.perf_counter(), _cpu_seconds()
    process.start()
    elapsed = time.perf_counter() - started
    return {"items": items, "seconds": round(elapsed, 2), "pages_per_minute": round(items / elapsed * 60, 1),
            "cpu_seconds": _cpu_since(cpu)["crawl"]}


class _LazyModel:
    """The benchmark's classifier: loaded on the first predict. The crawl process never
    calls it while the pipeline's worker classifies (only when batches come back to be done
    inline), so, as with service.wiring's LazyClassifier, it does not hold the model."""

    def __init__(self, model_dir: Path):
        self.model_dir = model_dir
        self._classifier: Any = None

    def predict(self, texts: list[str], titles: list[str] | None = None) -> list[Any]:
        if self._classifier is None:
            from nlp import load_classifier

            self._classifier = load_classifier(self.model_dir)
        return self._classifier.predict(texts, titles=titles)


def bench_context(settings: Any) -> Any:
    """Scrapy YUQING_CONTEXT_FACTORY for the benchmark: a temporary SQLite store, the model
    (loaded on first use), and an on_stored hand-off that appends the stored ids to a file
    (counted afterwards). The pipeline's worker process calls this too and classifies.
    """
    from store import StoreConfig, open_store

    from .context import CrawlContext

    model_dir = settings.get("YUQING_BENCH_MODEL_DIR")
    store = open_store(StoreConfig(sqlite_path=settings.get("YUQING_BENCH_DB")))
    handoff = settings.get("YUQING_BENCH_HANDOFF")

    def on_stored(items: list[Any]) -> None:
        if handoff:
            with open(handoff, "a", encoding="utf-8") as fh:
                fh.write("".join(f"{i.id}\n" for i in items))

    return CrawlContext(store=store, classifier=_LazyModel(Path(model_dir)) if model_dir else None,
                        on_stored=on_stored, sources=[])


def _model_dir(workdir: Path) -> tuple[str, Path | None]:
    """The service's model dir when it has an active model; else a default one trained from
    nlp's packaged data into the work dir; else none (and say why). Run by the benchmark
    driver, so the measured crawl process loads no model of its own."""
    try:
        from nlp.registry import ModelRegistry
    except ImportError as exc:
        return f"no classifier: nlp cannot be imported ({exc})", None
    model_dir = Path(os.environ.get("YUQING_MODEL_DIR") or REPO / "var" / "models")
    try:
        if ModelRegistry(model_dir).active():
            return f"active model in {model_dir}", model_dir
        tmp_models = workdir / "models"
        ModelRegistry(tmp_models).ensure_active(lambda _m: None)
        return "default model trained from nlp's packaged data (no active model)", tmp_models
    except Exception as exc:  # the benchmark still measures the rest of the pipeline
        return f"no classifier: {type(exc).__name__}: {exc}", None


def _ours(base: str, concurrency: int, workdir: Path, pages: int, model_dir: Path | None,
          model_note: str) -> dict[str, Any]:
    from .runner import crawl

    handoff = workdir / "handed_on.txt"
    sources = workdir / "bench_sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - name: bench_html\n"
        "    kind: html\n"
        f"    start_urls: [\"{base}/list_1.html\"]\n"
        "    list: {link: \"ul.news-list li a::attr(href)\", date: \"ul.news-list li span.date::text\","
        " next: \"a.next::attr(href)\"}\n"
        "    article: {title: \"h1.title::text\", published: \"div.info span.time::text\","
        " content: \"div.content p\"}\n"
        f"    pagination: {{max_pages: {pages}}}\n",
        encoding="utf-8",
    )
    overrides = _scrapy_settings(concurrency) | {
        "YUQING_SOURCES_FILE": str(sources),
        "YUQING_CONTEXT_FACTORY": "crawlers.bench.bench_context",
        "YUQING_BENCH_DB": str(workdir / "bench.db"),
        "YUQING_BENCH_MODEL_DIR": str(model_dir) if model_dir else None,
        "YUQING_BENCH_HANDOFF": str(handoff),
        "YUQING_LOG_ROOT": False,
    }
    started, cpu = time.perf_counter(), _cpu_seconds()
    report = crawl(["bench_html"], overrides)
    elapsed = time.perf_counter() - started
    cpu_used = _cpu_since(cpu)
    src = report.sources[0]
    handed_on = len(handoff.read_text(encoding="utf-8").split()) if handoff.exists() else 0
    return {"items": src.items_scraped, "stored": src.stored, "duplicates": src.duplicates, "handed_on": handed_on,
            "errors": src.errors, "classify_ms": src.classify_ms, "classifier": model_note,
            "seconds": round(elapsed, 2), "pages_per_minute": round(src.items_scraped / elapsed * 60, 1),
            "cpu_seconds": cpu_used["crawl"], "worker_cpu_seconds": cpu_used["children"]}


def _cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process and of its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def _cpu_since(start: tuple[float, float]) -> dict[str, float]:
    # children: the pipeline's worker process (joined when the crawl closes)
    now = _cpu_seconds()
    return {"crawl": round(now[0] - start[0], 2), "children": round(now[1] - start[1], 2)}


def _child(args: list[str]) -> dict[str, Any]:
    run = subprocess.run([sys.executable, "-m", "crawlers.bench", *args], cwd=REPO, capture_output=True,
                         text=True, timeout=CHILD_TIMEOUT)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    if run.returncode != 0 or not lines:
        raise RuntimeError(f"benchmark child {args[0]} failed (exit {run.returncode}): {run.stderr[-2000:]}")
    return json.loads(lines[-1])


def run(pages: int = 2000, concurrency: int = 16) -> dict[str, Any]:
    """Serve the site, crawl it both ways, print and return the figures."""
    if pages < 1:
        raise ValueError("pages must be at least 1")
    server = subprocess.Popen([sys.executable, "-m", "crawlers.bench", "serve", "--pages", str(pages)],
                              cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        base = (server.stdout.readline() if server.stdout else "").strip()
        if not base.startswith("http://127.0.0.1:"):
            raise RuntimeError("the benchmark site did not start")
        with tempfile.TemporaryDirectory(prefix="yuqing-bench-") as tmp:
            bare = _child(["bare", "--base", base, "--concurrency", str(concurrency)])
            model_note, model_dir = _model_dir(Path(tmp))
            ours = _child(["ours", "--base", base, "--concurrency", str(concurrency), "--workdir", tmp,
                           "--pages", str(pages), "--model-dir", str(model_dir or ""), "--model-note", model_note])
    finally:
        server.terminate()
        server.wait(10)
    ratio = ours["pages_per_minute"] / bare["pages_per_minute"] if bare["pages_per_minute"] else 0.0
    result = {"pages": pages, "concurrency": concurrency, "bare_scrapy": bare, "ours": ours,
              "ratio": round(ratio, 3), "target_ratio": 0.8}
    print(f"bare Scrapy : {bare['items']} pages in {bare['seconds']} s = {bare['pages_per_minute']} pages/min")
    print(f"our pipeline: {ours['items']} pages in {ours['seconds']} s = {ours['pages_per_minute']} pages/min "
          f"(stored {ours['stored']}, duplicates {ours['duplicates']}, handed on {ours['handed_on']}, "
          f"errors {ours['errors']}, "
          f"classifier time {ours['classify_ms'] / 1000:.1f} s; "
          f"{ours['classifier']})")
    print(f"CPU seconds: bare {bare['cpu_seconds']}; ours: crawl process "
          f"{ours['cpu_seconds']}, pipeline worker process {ours['worker_cpu_seconds']}")
    print(f"ratio ours / bare = {ratio:.2f} (target >= 0.8)")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.bench")
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "serve", "bare", "ours"])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--base")
    parser.add_argument("--workdir")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--model-dir", default="")
    parser.add_argument("--model-note", default="")
    args = parser.parse_args(argv)
    if args.mode == "serve":
        asyncio.run(_serve(build_site(args.pages), args.port))
        return 0
    if args.mode == "bare":
        if not args.base:
            parser.error("bare needs --base")
        print(json.dumps(_bare(args.base, args.concurrency)))
        return 0
    if args.mode == "ours":
        if not args.base or not args.workdir:
            parser.error("ours needs --base and --workdir")
        if args.model_dir:
            model_dir, note = Path(args.model_dir), args.model_note or f"model in {args.model_dir}"
        else:
            note, model_dir = _model_dir(Path(args.workdir))
        print(json.dumps(_ours(args.base, args.concurrency, Path(args.workdir), args.pages, model_dir, note),
                         ensure_ascii=False))
        return 0
    print(json.dumps(run(args.pages, args.concurrency), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    # Run inside the importable module: Scrapy loads crawlers.bench.bench_context by name,
    # and module-level state must be the importable module's (not __main__'s copy).
    from crawlers.bench import main as _main

    sys.exit(_main())
