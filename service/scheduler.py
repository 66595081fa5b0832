"""Runs the monitoring loop: crawl each enabled source on its interval, alert windows, digest.

Each crawl runs as its own `yuqing crawl SOURCE` process: Scrapy's reactor cannot be
restarted inside one process, and a crashing spider must not take the service down.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from store import utcnow

log = logging.getLogger(__name__)


@dataclass
class SourceSchedule:
    name: str
    interval_seconds: float
    next_run: float = 0.0  # monotonic time


@dataclass
class RunningCrawl:
    source: str
    process: subprocess.Popen
    started: float


@dataclass
class Scheduler:
    sources: list[SourceSchedule]
    crawl_command: Callable[[str], list[str]]
    log_dir: Path
    window_job: Callable[[], None] | None = None  # alert rules over time windows
    digest_job: Callable[[datetime], None] | None = None  # called with the local day to report
    timezone: str = "Asia/Shanghai"
    digest_hour: int = 8
    max_parallel: int = 2
    crawl_timeout_seconds: float = 15 * 60
    window_every_seconds: float = 60.0
    running: dict[str, RunningCrawl] = field(default_factory=dict)
    _last_window: float = 0.0
    _last_digest_day: str | None = None

    def tick(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._reap(now)
        for src in sorted(self.sources, key=lambda s: s.next_run):
            if len(self.running) >= self.max_parallel:
                break
            if src.name in self.running or src.next_run > now:
                continue
            self._start(src, now)
        if self.window_job and now - self._last_window >= self.window_every_seconds:
            self._last_window = now
            self._safely("alert window", self.window_job)
        self._maybe_digest()

    def _start(self, src: SourceSchedule, now: float) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.log_dir / f"crawl-{src.name}.log", "ab")  # noqa: SIM115 - lives with the process
        cmd = self.crawl_command(src.name)
        log.info("开始采集 %s", src.name)
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()
        self.running[src.name] = RunningCrawl(src.name, proc, now)
        src.next_run = now + src.interval_seconds

    def _reap(self, now: float) -> None:
        for name, run in list(self.running.items()):
            code = run.process.poll()
            if code is None and now - run.started > self.crawl_timeout_seconds:
                log.warning("采集 %s 超时，已终止", name)
                run.process.kill()
                code = run.process.wait()
            if code is not None:
                if code != 0:
                    log.warning("采集 %s 异常退出（代码 %s），详见 %s", name, code, self.log_dir)
                else:
                    log.info("采集 %s 完成", name)
                del self.running[name]

    def _maybe_digest(self) -> None:
        if not self.digest_job:
            return
        local = utcnow().astimezone(ZoneInfo(self.timezone))
        today = local.date().isoformat()
        if local.hour >= self.digest_hour and self._last_digest_day != today:
            self._last_digest_day = today
            yesterday = local - timedelta(days=1)
            self._safely("daily digest", lambda: self.digest_job(yesterday))

    @staticmethod
    def _safely(what: str, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:
            log.exception("%s failed", what)

    def run_forever(self, stop: threading.Event, tick_seconds: float = 2.0) -> None:
        while not stop.is_set():
            self.tick()
            stop.wait(tick_seconds)
        for run in self.running.values():
            run.process.terminate()
        for run in self.running.values():
            try:
                run.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                run.process.kill()


def yuqing_crawl_command(config_file: str | None) -> Callable[[str], list[str]]:
    def command(source: str) -> list[str]:
        cmd = [sys.executable, "-m", "service.cli"]
        if config_file:
            cmd += ["--config", config_file]
        return [*cmd, "crawl", source]

    return command
