"""The whole loop as `make demo` runs it: demo site -> crawl -> classify -> store -> alerts -> dashboard.

Starts the real `yuqing demo` process (SQLite store in a temp dir, its own model dir, a free
web port), logs in over real HTTP with the printed demo password and waits until the alert
screen lists alerts. The time it took is printed; the limit is generous on purpose: speed
belongs to `make bench`, this test checks that the stages are connected.
"""

from __future__ import annotations

import html
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dashboard:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as resp:
            return resp.read().decode("utf-8")

    def login(self, username: str, password: str) -> str:
        page = self.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password})
        with self.opener.open(self.base + "/login", data=data.encode(), timeout=10) as resp:
            return resp.read().decode("utf-8")


def test_demo_shows_classified_items_and_alerts(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env.update(
        YUQING_DATA_DIR=str(tmp_path / "demo"),
        YUQING_SQLITE_PATH=str(tmp_path / "demo" / "yuqing.db"),
        YUQING_MODEL_DIR=str(tmp_path / "models"),
        YUQING_WEB_PORT=str(port),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "demo", "--data-dir", str(tmp_path / "demo")],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    try:
        password, deadline = None, time.monotonic() + 420  # first start trains the model
        while password is None and time.monotonic() < deadline and proc.poll() is None:
            for line in list(lines):
                m = re.search(r"演示管理员：用户名 demo\s+密码 (\S+)", line)
                if m:
                    password = m.group(1)
            time.sleep(0.5)
        assert password, "demo never printed its admin:\n" + "".join(lines[-40:])
        up = time.monotonic()
        dash = Dashboard(f"http://127.0.0.1:{port}")
        while True:
            try:
                dash.get("/healthz")
                break
            except OSError:
                assert time.monotonic() - up < 30, "dashboard did not come up"
                time.sleep(0.5)
        page = dash.login("demo", password)
        assert "退出" in page or "预警" in page
        titles: list[str] = []
        while time.monotonic() - up < 180:
            page = dash.get("/alerts")
            titles = re.findall(r'<a href="/alerts/[^"]+">([^<]+)</a>', page)
            if titles:
                break
            time.sleep(2)
        waited = time.monotonic() - up
        print(f"first alerts on the duty screen {waited:.1f} s after the dashboard came up")
        assert titles, "no alert reached the duty screen:\n" + "".join(lines[-40:])
        items = dash.get("/items")
        assert "demo_" in items  # items of the demo sources are listed
        assert any(html.unescape(t).strip() for t in titles)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert proc.returncode == 0, "".join(lines[-40:])
