"""Duty screen and the alert workflow to closure, with its audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store import AlertQuery, utcnow
from tests.dashboard.dashsupport import make_alert, make_item


@pytest.fixture
def seeded(store):
    store.upsert_items([make_item(n) for n in range(1, 7)])
    alerts = [make_alert(n, risk=n % 4, title=f"预警标题{n}") for n in range(1, 7)]
    alerts[0].status = "closed"
    alerts[1].status = "handling"
    alerts[1].assignee = "duty2"
    store.upsert_alerts(alerts)
    return store


def _order(html: str, titles: list[str]) -> list[int]:
    return [html.index(t) for t in titles]


def test_duty_screen_lists_newest_first_with_counts(as_user, seeded):
    html = as_user("duty").get("/alerts").get_data(as_text=True)
    positions = _order(html, ["预警标题1", "预警标题2", "预警标题3", "预警标题6"])
    assert positions == sorted(positions)  # alert1 is the newest
    assert 'data-count="new">4<' in html
    assert 'data-count="handling">1<' in html
    assert 'data-count="closed">1<' in html
    assert 'data-count="acknowledged">0<' in html
    assert "risk risk-3" in html and "紧急" in html  # alert3 has risk 3
    assert "已办结" in html and "处置中" in html


def test_duty_screen_filters(as_user, seeded):
    duty = as_user("duty")
    html = duty.get("/alerts?status=new").get_data(as_text=True)
    assert "预警标题3" in html and "预警标题1<" not in html and "预警标题2<" not in html
    html = duty.get("/alerts?min_risk=2").get_data(as_text=True)
    shown = {n for n in range(1, 7) if f"预警标题{n}<" in html}
    assert shown == {2, 3, 6}
    # The form takes Asia/Shanghai local time (UTC+8); end the window ~3.5 minutes ago,
    # so alerts 1-3 (1-3 minutes old) fall outside it.
    until = (utcnow() + timedelta(hours=8) - timedelta(minutes=3, seconds=30)).strftime("%Y-%m-%dT%H:%M")
    html = duty.get(f"/alerts?until={until}").get_data(as_text=True)
    shown = {n for n in range(1, 7) if f"预警标题{n}<" in html}
    assert shown and shown <= {4, 5, 6} and 1 not in shown


def test_bad_filter_reports_error_and_keeps_input(as_user, seeded):
    html = as_user("duty").get("/alerts?since=昨天中午&min_risk=9").get_data(as_text=True)
    assert "格式不正确" in html
    assert "最低风险等级只能是 0–3" in html
    assert 'value="昨天中午"' in html
    assert "预警标题1" in html  # the rest of the search still ran


def test_feed_json_for_auto_refresh(as_user, seeded):
    data = as_user("duty").get("/alerts/feed.json?status=new").get_json()
    assert data["counts"] == {"new": 4, "acknowledged": 0, "handling": 1, "closed": 1}
    assert [a["id"] for a in data["alerts"]] == ["alert003", "alert004", "alert005", "alert006"]
    assert data["alerts"][0]["status_label"] == "待处理"
    assert data["alerts"][0]["risk_label"] == "紧急"


def _act(client, post, alert_id, **data):
    return post(client, f"/alerts/{alert_id}/action", data, page=f"/alerts/{alert_id}")


def test_workflow_to_closure_with_audit(as_user, post, seeded):
    duty = as_user("duty")
    detail = duty.get("/alerts/alert003").get_data(as_text=True)
    assert "第3条新闻" in detail and "欺凌" in detail  # item and explanation terms
    assert 'rel="noopener noreferrer"' in detail

    assert _act(duty, post, "alert003", action="acknowledge").status_code == 302
    assert seeded.get_alert("alert003").status == "acknowledged"
    assert seeded.get_item("item003").handling_status == "acknowledged"

    assert _act(duty, post, "alert003", action="handle", assignee="duty2", note="联系属地").status_code == 302
    alert = seeded.get_alert("alert003")
    assert (alert.status, alert.assignee) == ("handling", "duty2")

    assert _act(duty, post, "alert003", action="note", note="已电话联系学校").status_code == 302

    resp = _act(duty, post, "alert003", action="close", note="   ")
    assert resp.status_code == 409
    assert "必须填写办结说明" in resp.get_data(as_text=True)
    assert seeded.get_alert("alert003").status == "handling"

    assert _act(duty, post, "alert003", action="close", note="已核实处理完毕").status_code == 302
    assert seeded.get_alert("alert003").status == "closed"
    assert seeded.get_item("item003").handling_status == "closed"

    trail = seeded.audit_log(target_type="alert", target_id="alert003")
    assert [e.after.get("status") for e in reversed(trail)] == ["acknowledged", "handling", None, "closed"]
    assert all(e.actor == "duty" for e in trail)
    assert trail[0].note == "已核实处理完毕"
    item_trail = seeded.audit_log(target_type="item", target_id="item003")
    assert [e.after["handling_status"] for e in reversed(item_trail)] == ["acknowledged", "handling", "closed"]

    page = duty.get("/alerts/alert003").get_data(as_text=True)
    for text in ("已核实处理完毕", "已电话联系学校", "联系属地", "已办结"):
        assert text in page


def test_illegal_transition_is_refused(as_user, post, seeded):
    duty = as_user("duty")
    before = len(seeded.audit_log(target_type="alert", target_id="alert001"))
    resp = _act(duty, post, "alert001", action="acknowledge")  # alert001 is closed
    assert resp.status_code == 409
    assert "当前状态为“已办结”，不能执行“确认”" in resp.get_data(as_text=True)
    assert seeded.get_alert("alert001").status == "closed"
    assert len(seeded.audit_log(target_type="alert", target_id="alert001")) == before
    resp = _act(duty, post, "alert002", action="acknowledge")  # already handling
    assert resp.status_code == 409
    assert seeded.get_alert("alert002").status == "handling"


def test_close_note_is_kept_on_error(as_user, post, seeded):
    duty = as_user("duty")
    resp = _act(duty, post, "alert004", action="handle", assignee="gone", note="我的处置说明")
    assert resp.status_code == 400
    assert "处置人不存在或已停用" in resp.get_data(as_text=True)
    assert "我的处置说明" in resp.get_data(as_text=True)
    assert seeded.get_alert("alert004").status == "new"


def test_unknown_alert_is_404(as_user):
    assert as_user("duty").get("/alerts/nope").status_code == 404


def test_counts_match_store(as_user, seeded):
    data = as_user("admin").get("/alerts/feed.json").get_json()
    for status, count in data["counts"].items():
        assert seeded.search_alerts(AlertQuery(statuses=[status]))[1] == count


def test_rule_description_and_category_are_shown(store, login):
    from dashboard import create_app

    store.upsert_items([make_item(1)])
    store.upsert_alerts([make_alert(1, rule="high_risk_item", category="domestic_violence")])
    app = create_app({"SECRET_KEY": "k", "RULE_NAMES": {"high_risk_item": "风险等级≥预警的相关信息"}},
                     store)
    c = app.test_client()
    login(c, "duty")
    assert "触发规则：风险等级≥预警的相关信息" in c.get("/alerts/alert001").get_data(as_text=True)
    assert "家庭暴力" in c.get("/alerts").get_data(as_text=True)
    assert c.get("/alerts/feed.json").get_json()["alerts"][0]["category_label"] == "家庭暴力"


def test_only_mine_filter(as_user, seeded):
    html = as_user("duty2").get("/alerts?mine=1").get_data(as_text=True)
    assert "预警标题2<" in html  # alert002 is handled by duty2
    assert "预警标题3<" not in html and "预警标题1<" not in html
    assert as_user("duty").get("/alerts/feed.json?mine=1").get_json()["alerts"] == []
