"""Mailer and EmailNotifier against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import time

import pytest

from alerts.engine import AlertEngine
from alerts.mailer import Mailer, MailError, check_address
from alerts.notify import EmailNotifier, MultiNotifier
from alerts.rules import parse_rules
from store import AlertQuery
from tests.alerts.support import SmtpConf, free_port, latin_words, make_item

# Latin words a Chinese mail error may name: protocols and the settings to check.
MAIL_TERMS = {"SMTP", "STARTTLS", "AUTH", "TLS", "SSL", "smtp", "ssl", "starttls", "username",
              "alerts", "digest_to", "notify_to", "to"}


def wait_for(capture, n: int = 1, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while len(capture.messages) < n and time.monotonic() < deadline:
        time.sleep(0.02)


def test_mailer_sends_utf8_multipart(smtp_server):
    mailer = Mailer(SmtpConf(port=smtp_server.port))
    sent = mailer.send(["duty1@example.org", "duty2@example.org"], "【舆情哨兵】测试邮件",
                       "值班员您好：这是一封测试邮件。", "<p>值班员您好：这是一封<b>测试</b>邮件。</p>")
    wait_for(smtp_server)
    mail_from, rcpts, msg = smtp_server.messages[0]
    assert mail_from == "yuqing@example.org"
    assert rcpts == ["duty1@example.org", "duty2@example.org"] == sent.recipients
    assert msg["Subject"] == "【舆情哨兵】测试邮件"
    sender = msg["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("舆情哨兵", "yuqing@example.org")
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",))
    assert plain.get_content_charset() == "utf-8" and "这是一封测试邮件" in plain.get_content()
    assert "<b>测试</b>" in msg.get_body(("html",)).get_content()


def test_unreachable_server_gives_clear_mail_error():
    port = free_port()  # nothing listens here
    with pytest.raises(MailError) as info:
        Mailer(SmtpConf(port=port, timeout=3)).send(["a@example.org"], "主题", "正文")
    assert f"127.0.0.1:{port}" in str(info.value) and "无法连接" in str(info.value)
    assert not latin_words(str(info.value)) - MAIL_TERMS, str(info.value)


def test_refused_recipient_gives_mail_error(smtp_server):
    smtp_server.refuse.add("nobody@example.org")
    with pytest.raises(MailError) as info:
        Mailer(SmtpConf(port=smtp_server.port)).send(["nobody@example.org"], "主题", "正文")
    assert f"127.0.0.1:{smtp_server.port}" in str(info.value) and "550" in str(info.value)
    # the server's own reply is quoted as it came; everything around it is Chinese
    server_reply = latin_words("nobody example org mailbox unavailable")
    assert not latin_words(str(info.value)) - MAIL_TERMS - server_reply, str(info.value)
    # one refused among several: delivered to the rest, refusal reported
    sent = Mailer(SmtpConf(port=smtp_server.port)).send(
        ["nobody@example.org", "duty@example.org"], "主题", "正文")
    assert "nobody@example.org" in sent.refused
    wait_for(smtp_server)
    assert smtp_server.messages[0][1] == ["duty@example.org"]


@pytest.mark.parametrize("bad", ["", "no-at-sign", "a@b\r\nBcc: evil@x.org", "a@example.org, b@example.org"])
def test_bad_addresses_are_rejected(bad):
    with pytest.raises(MailError) as info:
        check_address(bad)
    assert "邮箱地址无效" in str(info.value)
    assert not latin_words(str(info.value)) - latin_words(repr(bad)), str(info.value)


def test_email_notifier_batches_escapes_and_marks_notified(store, clock, smtp_server):
    notifier = EmailNotifier(Mailer(SmtpConf(port=smtp_server.port)), ["duty@example.org"],
                             "http://127.0.0.1:5000/")
    engine = AlertEngine(store, parse_rules([{"name": "any", "type": "threshold", "min_risk": 1}]),
                         notifier=notifier, clock=clock)
    hostile = make_item("家长控诉<script>alert('x')</script>幼儿园虐童\r\nBcc: evil@example.org",
                        "老师<img src=x onerror=alert(1)>殴打幼儿", risk=3, category="child_abuse_neglect")
    second = make_item("某中学发生学生持刀伤人事件", risk=2)
    watch = make_item("小区游乐设施老化", risk=1, category="health_safety")
    store.upsert_items([hostile, second, watch])
    new = engine.process([hostile, second, watch])
    assert len(new) == 3
    wait_for(smtp_server)
    time.sleep(0.2)
    assert len(smtp_server.messages) == 1  # batched: one mail per run
    _, rcpts, msg = smtp_server.messages[0]
    assert rcpts == ["duty@example.org"]
    assert msg["Subject"].startswith("【舆情哨兵】紧急(红)预警") and "等2条" in msg["Subject"]
    assert "Bcc" not in msg and "\n" not in msg["Subject"]
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img" in html
    text = msg.get_body(("plain",)).get_content()
    assert "某中学发生学生持刀伤人事件" in text and "小区游乐设施老化" not in text  # risk 1: not mailed
    assert f"http://127.0.0.1:5000/alerts/{new[0].id}" in text or f"http://127.0.0.1:5000/alerts/{new[1].id}" in text

    notified = {a.id: a.notified for a in store.search_alerts(AlertQuery())[0]}
    assert notified[next(a.id for a in new if a.item_id == hostile.id)] is True
    assert notified[next(a.id for a in new if a.item_id == watch.id)] is False


def test_mail_failure_loses_nothing_and_is_retried(store, clock, smtp_server):
    rules = parse_rules([{"name": "high", "type": "threshold", "min_risk": 2}])
    down = EmailNotifier(Mailer(SmtpConf(port=free_port(), timeout=2)), ["duty@example.org"], "http://x")
    engine = AlertEngine(store, rules, notifier=down, clock=clock)
    item = make_item("女童放学途中失踪 家属寻人", risk=3, category="trafficking_missing")
    store.upsert_items([item])
    new = engine.process([item])
    assert len(new) == 1
    stored = store.get_alert(new[0].id)
    assert stored is not None and stored.notified is False  # stored even though mail failed

    engine.notifier = EmailNotifier(Mailer(SmtpConf(port=smtp_server.port)), ["duty@example.org"], "http://x")
    assert engine.notify_pending() == 1
    wait_for(smtp_server)
    assert "女童放学途中失踪" in smtp_server.messages[0][2].get_body(("plain",)).get_content()
    assert store.get_alert(new[0].id).notified is True
    assert engine.notify_pending() == 0


@pytest.mark.parametrize("good", ["duty@example.org", "yuqing@localhost", "zhang.san+alerts@mail.gov.cn"])
def test_plain_addresses_are_accepted(good):
    assert check_address(f" {good} ") == good


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        ({"starttls": True}, "STARTTLS"),
        ({"username": "duty", "password": "secret"}, "AUTH"),
        ({"ssl": True}, "TLS"),
    ],
)
def test_tls_and_login_problems_give_mail_error(smtp_server, conf, expected):
    # the test server speaks plain SMTP without STARTTLS or AUTH
    with pytest.raises(MailError) as info:
        Mailer(SmtpConf(port=smtp_server.port, timeout=3, **conf)).send(["a@example.org"], "主题", "正文")
    assert f"127.0.0.1:{smtp_server.port}" in str(info.value) and expected in str(info.value)
    assert not latin_words(str(info.value)) - MAIL_TERMS - {"WRONG_VERSION_NUMBER"}, str(info.value)
    assert smtp_server.messages == []


def test_no_recipients_is_a_chinese_error():
    with pytest.raises(MailError) as info:
        Mailer(SmtpConf(port=free_port())).send([], "主题", "正文")
    assert "没有收件人" in str(info.value) and not latin_words(str(info.value)) - MAIL_TERMS


def test_alert_mail_names_rules_by_their_chinese_description(store, clock, smtp_server):
    notifier = EmailNotifier(Mailer(SmtpConf(port=smtp_server.port)), ["duty@example.org"], "http://x")
    rules = parse_rules([{"name": "high_risk_item", "type": "threshold", "min_risk": 2,
                          "description": "风险等级≥预警的相关信息"}])
    engine = AlertEngine(store, rules, notifier=MultiNotifier(notifier), clock=clock)
    item = make_item("某幼儿园老师体罚幼儿致伤", risk=3, category="child_abuse_neglect")
    store.upsert_items([item])
    assert len(engine.process([item])) == 1
    wait_for(smtp_server)
    msg = smtp_server.messages[0][2]
    text = msg.get_body(("plain",)).get_content()
    assert "规则：风险等级≥预警的相关信息" in text and "high_risk_item" not in text
    assert latin_words(msg["Subject"] + text) <= latin_words(item.source), latin_words(text)


def test_multi_notifier_survives_a_failing_channel(store, clock):
    from alerts.notify import LogNotifier, MultiNotifier

    broken = EmailNotifier(Mailer(SmtpConf(port=free_port(), timeout=2)), ["duty@example.org"], "http://x")
    engine = AlertEngine(store, parse_rules([{"name": "high", "type": "threshold", "min_risk": 2}]),
                         notifier=MultiNotifier(broken, LogNotifier()), clock=clock)
    item = make_item("某地发生拐卖妇女案件", risk=3, category="trafficking_missing")
    store.upsert_items([item])
    (alert,) = engine.process([item])
    assert store.get_alert(alert.id).notified is True  # the log channel delivered it
