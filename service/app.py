"""`yuqing run`: the whole service in one process tree.

Dashboard (waitress, in a thread) + scheduler (crawl subprocesses, alert windows, digest).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path

from service import wiring
from service.scheduler import Scheduler, SourceSchedule, yuqing_crawl_command
from service.settings import DEFAULT_CONFIG, ConfigError, Settings
from store import Store, StoreError

log = logging.getLogger(__name__)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def open_store_or_explain(settings: Settings) -> Store:
    try:
        store = wiring.open_store_from(settings)
    except StoreError as exc:
        where = ", ".join(settings.store.es_urls) if settings.uses_elasticsearch else settings.store.sqlite_path
        raise ConfigError(
            settings.source_file or None,
            "store.es_urls / YUQING_ES_URL" if settings.uses_elasticsearch else "store.sqlite_path",
            f"存储不可用 ({where}): {exc}",
            "check that the store is running and reachable, or unset YUQING_ES_URL to use SQLite",
        ) from None
    return store


def source_schedules(settings: Settings) -> list[SourceSchedule]:
    from crawlers.config import load_sources

    sources = load_sources(settings.path(settings.crawl.sources_file))
    return [
        SourceSchedule(name=s.name, interval_seconds=float(s.interval_seconds))
        for s in sources
        if s.enabled
    ]


def extra_config_file(settings: Settings) -> str | None:
    """The config file beyond the repository default, for the crawl subprocesses."""
    if settings.source_file and Path(settings.source_file).resolve() != DEFAULT_CONFIG:
        return settings.source_file
    return None


def start_web(settings: Settings, store: Store) -> tuple[threading.Thread, object]:
    from waitress import create_server

    app = wiring.create_dashboard(settings, store)
    server = create_server(app, host=settings.web.host, port=settings.web.port, threads=8)
    thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
    thread.start()
    return thread, server


def run_service(settings: Settings, banner: list[str] | None = None) -> int:
    store = open_store_or_explain(settings)
    backend = "Elasticsearch " + ", ".join(settings.store.es_urls) if settings.uses_elasticsearch else f"SQLite {settings.path(settings.store.sqlite_path)}"
    say(f"舆情哨兵 启动：存储 {backend}")
    if not store.list_users():
        say("尚无任何用户。创建第一个管理员：.venv/bin/yuqing user add admin --role admin")
    # The first start trains the default model before any crawl needs it.
    wiring.model_registry(settings).ensure_active(say)
    schedules = source_schedules(settings)
    if not schedules:
        say(f"提示：{settings.crawl.sources_file} 中没有启用的采集源")
    engine = wiring.build_alert_engine(settings, store)

    def digest_job(day: datetime) -> None:
        from service.commands.alerts import send_digest_for

        send_digest_for(settings, store, day.date())

    scheduler = Scheduler(
        sources=schedules,
        crawl_command=yuqing_crawl_command(extra_config_file(settings)),
        log_dir=settings.path(settings.data_dir) / "logs",
        window_job=engine.run_window,
        digest_job=digest_job if settings.alerts.digest_to else None,
        timezone=settings.timezone,
        digest_hour=settings.alerts.digest_hour,
    )
    _, server = start_web(settings, store)
    url = f"http://{settings.web.host}:{settings.web.port}"
    for line in banner or []:
        say(line)
    say(f"看板：{url}  （Ctrl-C 停止）；采集源 {len(schedules)} 个")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        scheduler.run_forever(stop, tick_seconds=settings.scheduler_tick_seconds)
    except KeyboardInterrupt:
        stop.set()
    finally:
        server.close()
        store.close()
    say("已停止")
    return 0
