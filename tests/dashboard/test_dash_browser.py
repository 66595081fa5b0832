"""One real-browser run: log in, watch the duty screen refresh, acknowledge and close an alert.

Drives Debian's chromium through Playwright against the app served by werkzeug on
127.0.0.1 (port chosen by the OS). Screenshots go to the test's tmp_path.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from dashboard import create_app
from tests.dashboard.dashsupport import PASSWORDS, make_alert, make_item

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def server(store, services) -> Iterator[str]:
    app = create_app({"SECRET_KEY": "browser-secret", "REFRESH_SECONDS": 1}, store, services)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        thread.join(timeout=10)


def test_duty_officer_closes_an_alert_in_the_browser(server, store, tmp_path: Path):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run `make system-deps` (scripts/system-deps.sh)")
    from playwright.sync_api import expect, sync_playwright

    items = [make_item(n, title=f"某小学发生学生欺凌事件，家长质疑校方处理（{n}）",
                       text="据网友爆料，某小学多名学生在厕所内欺凌同学。" * 5) for n in range(1, 6)]
    store.upsert_items(items)
    store.upsert_alerts([make_alert(n, title=f"校园欺凌舆情预警（{n}）", risk=(4 - n) % 4 or 3,
                                    category="school_safety") for n in range(2, 6)])
    problems: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.set_default_timeout(15000)

            page.goto(f"{server}/login")
            page.fill("input[name=username]", "duty")
            page.fill("input[name=password]", PASSWORDS["duty"])
            page.click("button[type=submit]")
            expect(page.locator("#alerts-table")).to_contain_text("校园欺凌舆情预警（2）")
            expect(page.locator('[data-count="new"]')).to_have_text("4")

            # A new alert arrives while the screen is open: the 1 s refresh shows it highlighted.
            store.upsert_alerts([make_alert(1, title="新到达的紧急预警", risk=3)])
            fresh = page.locator("#alerts-table tr.fresh", has_text="新到达的紧急预警")
            expect(fresh).to_be_visible()
            expect(page.locator('[data-count="new"]')).to_have_text("5")
            expect(page.locator("#new-banner")).to_contain_text("新增 1 条")
            page.screenshot(path=str(tmp_path / "duty-screen.png"), full_page=True)

            fresh.locator("a").click()
            expect(page.locator("h1")).to_contain_text("新到达的紧急预警")
            page.click("#btn-acknowledge")
            expect(page.locator(".flash-success")).to_contain_text("已确认")
            expect(page.locator(".head")).to_contain_text("已确认")

            page.fill("form:has(#btn-close) textarea[name=note]", "已联系学校和属地妇联，核实处置完毕")
            page.click("#btn-close")
            expect(page.locator(".head")).to_contain_text("已办结")
            expect(page.locator("table.audit")).to_contain_text("已联系学校和属地妇联，核实处置完毕")
            expect(page.locator("#btn-close")).to_have_count(0)
            page.screenshot(path=str(tmp_path / "alert-closed.png"), full_page=True)
        finally:
            browser.close()

    alert = store.get_alert("alert001")
    assert alert.status == "closed"
    trail = store.audit_log(target_type="alert", target_id="alert001")
    assert [e.after.get("status") for e in reversed(trail)] == ["acknowledged", "closed"]
    assert not problems, problems  # includes CSP violations reported by the browser
    assert (tmp_path / "alert-closed.png").stat().st_size > 10_000
