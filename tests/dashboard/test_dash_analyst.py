"""Relabeling, the labeled list, the model screen and role checks."""

from __future__ import annotations

import re

import pytest

from dashboard import Services, create_app
from tests.dashboard.dashsupport import make_alert, make_item

LABEL = {"relevant": "1", "category": "sexual_violence", "risk": "3", "rumor_suspected": "1",
         "sentiment": "negative"}


@pytest.fixture
def seeded(store):
    store.upsert_items([make_item(n) for n in range(1, 4)])
    store.upsert_alerts([make_alert(1)])
    return store


def test_analyst_relabels_an_item(as_user, post, seeded):
    analyst = as_user("analyst")
    resp = post(analyst, "/items/item001/label", LABEL, page="/items/item001")
    assert resp.status_code == 302
    item = seeded.get_item("item001")
    assert item.analyst_label == {"relevant": True, "category": "sexual_violence", "risk": 3,
                                  "rumor_suspected": True, "sentiment": "negative"}
    assert item.labeled_by == "analyst" and item.labeled_at is not None
    html = analyst.get("/labels").get_data(as_text=True)
    assert "第1条新闻" in html and "性侵害/性骚扰" in html and "第2条新闻" not in html
    detail = analyst.get("/items/item001").get_data(as_text=True)
    assert "标注人：analyst" in detail


def _options(html: str, select: str) -> dict[str, str]:
    """value -> shown text of the options of one <select name=...> (the empty prompt left out)."""
    body = re.search(rf'<select name="{select}">(.*?)</select>', html, re.S)
    assert body, f"no <select name={select}> on the page"
    return {v: t.strip() for v, t in re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', body.group(1))}


def test_relabel_form_offers_the_label_vocabulary_of_the_training_data(as_user, seeded):
    # The choices must be exactly what the model trains on, or a relabel could never be learned.
    from nlp.data import CATEGORIES, SENTIMENTS

    html = as_user("analyst").get("/items/item001").get_data(as_text=True)
    categories = _options(html, "category")
    assert list(categories) == [*CATEGORIES, "none"]
    assert categories["domestic_violence"] == "家庭暴力" and categories["none"] == "无关"
    assert list(_options(html, "sentiment").items()) == [
        (s, {"negative": "负面", "neutral": "中性", "positive": "正面"}[s]) for s in SENTIMENTS]
    assert _options(html, "risk") == {"0": "0 无", "1": "1 关注", "2": "2 预警", "3": "3 紧急"}


def test_irrelevant_label_gets_category_none(as_user, post, seeded):
    resp = post(as_user("analyst"), "/items/item002/label",
                {**LABEL, "relevant": "0", "risk": "0"}, page="/items/item002")
    assert resp.status_code == 302
    assert seeded.get_item("item002").analyst_label["category"] == "none"


def test_invalid_label_is_refused_and_form_kept(as_user, post, seeded):
    resp = post(as_user("analyst"), "/items/item001/label", {**LABEL, "category": "none"},
                page="/items/item001")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "相关信息请选择具体类别" in html
    assert '<option value="3" selected>' in html  # the chosen risk is still selected
    assert seeded.get_item("item001").analyst_label is None
    resp = post(as_user("analyst"), "/items/item001/label", {**LABEL, "risk": "7"},
                page="/items/item001")
    assert resp.status_code == 400
    assert seeded.get_item("item001").analyst_label is None


def test_duty_cannot_relabel(as_user, post, seeded):
    duty = as_user("duty")
    resp = post(duty, "/items/item001/label", LABEL, page="/items/item001")
    assert resp.status_code == 403
    assert seeded.get_item("item001").analyst_label is None
    assert 'id="label-form"' not in duty.get("/items/item001").get_data(as_text=True)
    assert duty.get("/labels").status_code == 403
    assert duty.get("/models").status_code == 403


def test_analyst_cannot_manage_users_or_act_on_alerts(as_user, post, seeded, store):
    analyst = as_user("analyst")
    assert analyst.get("/admin/users").status_code == 403
    assert analyst.get("/admin/sources").status_code == 403
    resp = post(analyst, "/admin/users/duty/update", {"action": "disable"}, page="/alerts")
    assert resp.status_code == 403
    assert store.get_user("duty").active
    resp = post(analyst, "/alerts/alert001/action", {"action": "acknowledge"}, page="/alerts")
    assert resp.status_code == 403
    assert store.get_alert("alert001").status == "new"


def test_admin_can_do_everything(as_user, post, seeded):
    admin = as_user("admin")
    for path in ("/alerts", "/items", "/events", "/labels", "/models", "/admin/users", "/admin/sources"):
        assert admin.get(path).status_code == 200, path
    assert post(admin, "/items/item003/label", LABEL, page="/items/item003").status_code == 302
    assert post(admin, "/alerts/alert001/action", {"action": "acknowledge"}, page="/alerts").status_code == 302


def test_model_screen_and_actions(as_user, post, services_calls, seeded):
    analyst = as_user("analyst")
    html = analyst.get("/models").get_data(as_text=True)
    assert "v1" in html and "v2" in html and "当前启用" in html
    assert "相关性 F1：0.780" in html and "类别宏平均 F1：0.650" in html
    assert "812（含人工标注 12 条）" in html
    assert "2025-02-01 08:00" in html  # created_at shown in Asia/Shanghai time
    assert html.index("v2") < html.index("v1")  # newest first
    assert "per_class" not in html
    post(analyst, "/models/retrain", {}, page="/models")
    assert "重新训练：v3" in analyst.get("/models").get_data(as_text=True)
    post(analyst, "/models/activate", {"version": "v1"}, page="/models")
    assert "已启用模型 v1" in analyst.get("/models").get_data(as_text=True)
    post(analyst, "/models/rollback", {}, page="/models")
    assert "已回滚到上一版本：v1" in analyst.get("/models").get_data(as_text=True)
    assert services_calls == [("retrain",), ("activate", "v1"), ("rollback",)]
    resp = post(analyst, "/models/activate", {"version": "v9"}, page="/models")
    assert resp.status_code == 302
    assert "操作失败：没有版本 v9" in analyst.get("/models").get_data(as_text=True)


def test_missing_services_are_shown_as_unavailable(store, login):
    app = create_app({"SECRET_KEY": "k"}, store, Services())
    c = app.test_client()
    login(c, "analyst")
    html = c.get("/models").get_data(as_text=True)
    assert html.count("该功能未配置，暂不可用") == 3
    token = __import__("re").search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    c.post("/models/retrain", data={"csrf_token": token})
    assert "该功能未配置，暂不可用" in c.get("/models").get_data(as_text=True)


def test_model_actions_are_in_the_audit_trail(as_user, post, store, seeded):
    analyst = as_user("analyst")
    post(analyst, "/models/retrain", {}, page="/models")
    post(analyst, "/models/activate", {"version": "v1"}, page="/models")
    post(analyst, "/models/rollback", {}, page="/models")
    post(analyst, "/models/activate", {"version": "v9"}, page="/models")  # fails: no entry
    trail = store.audit_log(target_type="model")
    assert [(e.action, e.target_id, e.actor) for e in trail] == [
        ("rollback_model", "v1", "analyst"),
        ("activate_model", "v1", "analyst"),
        ("retrain", "-", "analyst"),
    ]
    assert trail[1].before == {"version": "v2"} and trail[1].after == {"version": "v1"}
    assert trail[2].note == "v3"
    html = analyst.get("/models").get_data(as_text=True)
    assert "模型操作记录" in html and "启用模型" in html and "回滚模型" in html
