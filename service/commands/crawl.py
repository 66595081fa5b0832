"""`yuqing crawl [SOURCE ...]`, `yuqing sources list`, `yuqing sources check`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawlers.config import SourceConfigError, load_sources
from service.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crawl", help="采集：运行一次指定采集源（默认：全部启用的采集源）")
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="采集源名称")
    p.add_argument("--json", action="store_true", help="以 JSON 输出采集报告")
    p.add_argument("--job", help="分布式采集任务名（多个进程共享同一 Redis 队列时使用相同名称）")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("sources", help="采集源配置")
    ssub = p.add_subparsers(dest="sources_command", metavar="ACTION", required=True)
    ls = ssub.add_parser("list", help="列出采集源")
    ls.set_defaults(func=cmd_sources_list)
    chk = ssub.add_parser("check", help="检查采集源配置文件，并显示各采集源的运行状况")
    chk.add_argument("file", nargs="?", help="采集源文件（默认 crawl.sources_file）")
    chk.set_defaults(func=cmd_sources_check)


def scrapy_overrides(settings: Settings, config_file: str | None = None) -> dict[str, Any]:
    """settings.crawl.* in Scrapy's words."""
    c = settings.crawl
    overrides: dict[str, Any] = {
        "USER_AGENT": c.user_agent,
        "ROBOTSTXT_OBEY": c.obey_robots,
        "DOWNLOAD_TIMEOUT": c.download_timeout,
        "DOWNLOAD_MAXSIZE": c.max_response_bytes,
        "DOWNLOAD_WARNSIZE": max(1, c.max_response_bytes // 4),
        "CONCURRENT_REQUESTS_PER_DOMAIN": c.concurrency_per_domain,
        "AUTOTHROTTLE_ENABLED": c.autothrottle,
        "RETRY_TIMES": c.retry_times,
        "YUQING_SOURCES_FILE": str(settings.path(c.sources_file)),
        "YUQING_PROXY": c.proxy,
        "YUQING_REDIS_URL": c.redis_url,
        # `yuqing` already set up logging; a second root handler would print every line twice
        "YUQING_LOG_ROOT": False,
    }
    if config_file:
        overrides["YUQING_CONFIG"] = config_file
    return overrides


def cmd_crawl(args: argparse.Namespace, settings: Settings) -> int:
    from crawlers.runner import crawl

    overrides = scrapy_overrides(settings, getattr(args, "config", None))
    if args.job:
        overrides["YUQING_CRAWL_JOB"] = args.job
    try:
        report = crawl(args.sources, overrides)
    except SourceConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyError as exc:
        print(str(exc.args[0] if exc.args else exc), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for s in report.sources:
            state = "正常" if s.ok else "失败"
            print(f"{s.name}\t{state}\t新入库 {s.stored}\t重复 {s.duplicates}\t已知跳过 {s.already_known}\t错误 {s.errors}")
            for msg in s.error_messages[:3]:
                print(f"    {msg}")
        if not report.sources:
            print("没有启用的采集源")
    return 0 if report.ok else 1


def _load(settings: Settings, file: str | None = None):
    path = settings.path(file) if file else settings.path(settings.crawl.sources_file)
    return path, load_sources(path)


def cmd_sources_list(args: argparse.Namespace, settings: Settings) -> int:
    try:
        path, sources = _load(settings)
    except SourceConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"# {path}")
    for s in sources:
        urls = s.start_urls or s.search_urls
        state = "启用" if s.enabled else "停用"
        print(f"{s.name}\t{s.kind}\t{state}\t每 {s.interval_seconds // 60} 分钟\t{urls[0] if urls else ''}")
    return 0


def cmd_sources_check(args: argparse.Namespace, settings: Settings) -> int:
    try:
        path, sources = _load(settings, args.file)
    except SourceConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    enabled = sum(1 for s in sources if s.enabled)
    print(f"{path}: 配置有效，共 {len(sources)} 个采集源（启用 {enabled} 个）")
    try:
        from store import open_store

        with open_store(settings.store) as store:
            health = {h.source: h for h in store.source_health()}
    except Exception as exc:  # the file check stands on its own; health is extra
        print(f"（无法读取运行状况：{exc}）")
        return 0
    for s in sources:
        h = health.get(s.name)
        if h is None:
            print(f"{s.name}\t尚未运行")
            continue
        ok = h.last_error is None and h.last_success_at is not None
        last = h.last_success_at.isoformat(timespec="seconds") if h.last_success_at else "从未成功"
        print(f"{s.name}\t{'健康' if ok else '异常'}\t最近成功 {last}\t24小时条目 {h.items_last_24h}\t错误累计 {h.errors_total}"
              + (f"\t最近错误 {h.last_error}" if h.last_error else ""))
    return 0
