"""Runs crawls in a child process (Twisted's reactor runs once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

FAST = {
    # the politeness machinery stays on (robots, per-domain limits) but waits are short
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "RETRY_TIMES": 0,
    "DOWNLOAD_TIMEOUT": 5,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "YUQING_CONTEXT_FACTORY": "crawlctx.make_context",
    "LOG_LEVEL": "INFO",
}


class Crawl:
    """Runs `python -m crawlers.runner` against a sources file; the store lives in tmp_path."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.db = tmp_path / "store.db"
        self.handoff = tmp_path / "handoff.jsonl"
        self.sources = tmp_path / "sources.yaml"
        self.last_log = ""

    def write_sources(self, text: str) -> Path:
        self.sources.write_text(text, encoding="utf-8")
        (self.tmp / "watchlist.yaml").write_text("terms: [家暴, 拐卖]\n", encoding="utf-8")
        return self.sources

    def settings(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        s = dict(FAST)
        s.update({"YUQING_TEST_DB": str(self.db), "YUQING_TEST_HANDOFF": str(self.handoff),
                  "YUQING_SOURCES_FILE": str(self.sources)})
        s.update(extra or {})
        return s

    def command(self, names: list[str], extra: dict[str, Any] | None = None) -> list[str]:
        cmd = [sys.executable, "-m", "crawlers.runner", *names, "--json"]
        for k, v in self.settings(extra).items():
            cmd += ["--set", f"{k}={json.dumps(v) if not isinstance(v, str) else v}"]
        return cmd

    def env(self) -> dict[str, str]:
        # Subprocess crawls use the SQLite store of the test, whatever the outer run exports.
        env = {k: v for k, v in os.environ.items() if k != "YUQING_ES_URL"}
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(REPO)])
        return env

    def run(self, names: list[str], extra: dict[str, Any] | None = None, timeout: float = 90) -> dict:
        proc = subprocess.run(self.command(names, extra), cwd=REPO, env=self.env(),
                              capture_output=True, text=True, timeout=timeout)
        self.last_log = proc.stderr
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        assert lines, f"no report (exit {proc.returncode}); stderr:\n{proc.stderr[-4000:]}"
        report = json.loads(lines[-1])
        report["by_name"] = {s["name"]: s for s in report["sources"]}
        report["exit"] = proc.returncode
        return report

    def store(self):
        from store.sqlite_store import SQLiteStore

        st = SQLiteStore(str(self.db))
        st.setup()
        return st

    def handed_on(self) -> list[str]:
        if not self.handoff.exists():
            return []
        ids: list[str] = []
        for line in self.handoff.read_text(encoding="utf-8").splitlines():
            ids += json.loads(line)
        return ids
