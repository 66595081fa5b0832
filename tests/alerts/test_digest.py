"""The daily digest: counts for one local day, escaping, SMTP delivery and the CLI."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from alerts.digest import build_digest, previous_local_day
from alerts.engine import AlertEngine
from alerts.rules import parse_rules
from service.commands import alerts as commands
from service.settings import Settings
from store import StoreConfig
from tests.alerts.support import SmtpConf, free_port, latin_words, make_item

DAY = date(2026, 11, 25)
STORY = "东湖区某小学三年级学生连续两周被同班同学索要零花钱并殴打，家长向学校反映后未获处理。"


def local(hour: int, minute: int = 0, day: int = 25) -> datetime:
    """A time on the Shanghai wall clock."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def filled(store, clock):
    items = [
        make_item("某校学生遭欺凌<script>alert(1)</script>", STORY, risk=3, district="东湖区",
                  published=local(9)),
        make_item("转发：某校学生遭欺凌 家长求助", "转发：" + STORY, risk=2, district="东湖区",
                  published=local(10), url="javascript:alert(document.cookie)"),
        make_item("女子遭家暴报警", risk=1, category="domestic_violence", district="西山区",
                  published=local(23, 30)),
        make_item("双十一童装大促", relevant=False, risk=0, published=local(12)),
        # the next local day (00:30 on the 26th) and the day before: not counted
        make_item("次日凌晨的消息", risk=3, published=local(0, 30, day=26)),
        make_item("前一天的消息", risk=3, published=local(22, 0, day=24)),
    ]
    store.upsert_items(items)
    clock.now = local(23, 50)
    engine = AlertEngine(store, parse_rules([{"name": "high", "type": "threshold", "min_risk": 2,
                                               "dedupe": "item"}]), clock=clock)
    engine.process(items[:4])
    return items


def test_previous_local_day_uses_shanghai_time():
    # 2026-11-25 17:00 UTC is already the 26th in Shanghai
    assert previous_local_day("Asia/Shanghai", datetime(2026, 11, 25, 17, 0, tzinfo=UTC)) == DAY
    assert previous_local_day("Asia/Shanghai", datetime(2026, 11, 25, 15, 0, tzinfo=UTC)) == date(2026, 11, 24)


def test_digest_counts_and_sections(store, filled):
    digest = build_digest(store, DAY, dashboard_url="http://dash.example:5000/")
    assert digest.subject == "【舆情哨兵】每日简报 2026-11-25"
    d = digest.data
    assert (d.items_total, d.items_relevant) == (4, 3)
    assert dict(d.by_category) == {"school_safety": 2, "domestic_violence": 1}
    assert dict(d.by_district) == {"东湖区": 2, "西山区": 1}
    assert dict(d.by_risk) == {"3": 1, "2": 1, "1": 1}
    assert d.new_alerts_total == 2 and d.open_alerts_total == 2 and d.open_by_risk == {3: 1, 2: 1}
    assert d.new_by_risk == {3: 1, 2: 1} and "当日新增预警 2 条（紧急(红) 1；预警(黄/橙) 1）" in digest.text
    assert d.top_events and d.top_events[0].item_count == 2
    assert "采集 4 条，其中涉妇女儿童相关 3 条" in digest.text
    assert "校园安全/欺凌 2" in digest.text and "东湖区 2" in digest.text
    assert "http://dash.example:5000/alerts/" in digest.text
    assert "http://dash.example:5000/events/" in digest.text

    # a closed alert still counts as new that day but no longer as open
    closed = next(a for a in d.new_alerts if a.risk == 2)
    store.update_alert(closed.id, {"status": "closed"}, actor="duty1")
    d2 = build_digest(store, DAY).data
    assert d2.new_alerts_total == 2 and d2.open_alerts_total == 1 and d2.open_by_risk == {3: 1}


def test_digest_text_is_chinese_only(store, filled):
    digest = build_digest(store, DAY, dashboard_url="http://dash.example:5000/")
    assert digest.text.startswith("舆情哨兵每日简报（2026-11-25，北京时间）")
    # Latin words may only come from crawled values (titles, source names), never from us.
    crawled = set().union(*(latin_words(f"{i.title} {i.source}") for i in filled))
    assert latin_words(digest.subject + digest.text) <= crawled, latin_words(digest.text) - crawled


def test_digest_html_escapes_crawled_text(store, filled, tmp_path):
    digest = build_digest(store, DAY)
    html = digest.html
    digest.write(tmp_path)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and "https://news.example.cn/a/" in html
    assert html.startswith("<!DOCTYPE html>") and 'style="' in html and "每日简报 2026-11-25" in html


def test_digest_sent_over_smtp_and_kept_on_disk(store, filled, smtp_server, tmp_path):
    settings = Settings(data_dir=str(tmp_path / "var"))
    settings.smtp = SmtpConf(port=smtp_server.port)
    settings.alerts.digest_to = ["leader@example.org"]
    digest = commands.send_digest_for(settings, store, DAY)
    deadline = time.monotonic() + 5
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.02)
    _, rcpts, msg = smtp_server.messages[0]
    assert rcpts == ["leader@example.org"] and msg["Subject"] == digest.subject
    body = msg.get_body(("plain",)).get_content()
    assert "舆情哨兵每日简报" in body and "其中涉妇女儿童相关 3 条" in body
    html = msg.get_body(("html",)).get_content()
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert (tmp_path / "var" / "digests" / "digest-2026-11-25.html").exists()


def _settings(tmp_path, store_path, smtp_port: int) -> Settings:
    settings = Settings(data_dir=str(tmp_path / "var"), store=StoreConfig(sqlite_path=store_path))
    settings.smtp = SmtpConf(port=smtp_port, timeout=3)
    return settings


def test_cli_digest_dry_run_and_send(store, filled, smtp_server, tmp_path, capsys):
    settings = _settings(tmp_path, store.path, smtp_server.port)
    args = argparse.Namespace(date="2026-11-25", to="a@example.org,b@example.org", dry_run=True)
    assert commands.cmd_digest(args, settings) == 0
    assert "【舆情哨兵】每日简报 2026-11-25" in capsys.readouterr().out
    assert smtp_server.messages == []

    args.dry_run = False
    assert commands.cmd_digest(args, settings) == 0
    deadline = time.monotonic() + 5
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.02)
    assert smtp_server.messages[0][1] == ["a@example.org", "b@example.org"]


def test_cli_digest_mail_down_keeps_file(store, filled, tmp_path, capsys):
    settings = _settings(tmp_path, store.path, free_port())
    args = argparse.Namespace(date="2026-11-25", to="a@example.org", dry_run=False)
    assert commands.cmd_digest(args, settings) == 1
    err = capsys.readouterr().err
    assert "简报发送失败" in err and f"127.0.0.1:{settings.smtp.port}" in err
    assert (tmp_path / "var" / "digests" / "digest-2026-11-25.txt").read_text(encoding="utf-8").startswith(
        "【舆情哨兵】每日简报 2026-11-25")


def test_cli_bad_date_and_alerts_list(store, filled, tmp_path, capsys):
    settings = _settings(tmp_path, store.path, 25)
    with pytest.raises(SystemExit, match="YYYY-MM-DD"):
        commands.cmd_digest(argparse.Namespace(date="25/11/2026", to=None, dry_run=True), settings)
    assert commands.cmd_alerts_list(argparse.Namespace(status="new", limit=10), settings) == 0
    out = capsys.readouterr().out
    assert "共 2 条" in out and "待处理" in out
