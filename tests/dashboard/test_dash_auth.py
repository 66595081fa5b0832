"""Login, logout, lockout, disabled users, CSRF, session cookie and security headers."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.dashboard.dashsupport import PASSWORDS, make_alert, make_item


def test_pages_need_login(client):
    resp = client.get("/alerts")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_login_and_logout(client, login, csrf):
    resp = login(client, "duty")
    assert resp.status_code == 302
    page = client.get("/alerts")
    assert page.status_code == 200
    assert "duty-显示名（值班员）" in page.get_data(as_text=True)
    token = csrf(client, "/alerts")
    resp = client.post("/logout", data={"csrf_token": token})
    assert resp.status_code == 302
    assert client.get("/alerts").status_code == 302


def test_wrong_password_is_refused(client, login):
    resp = login(client, "duty", "not-the-password")
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.get_data(as_text=True)
    assert client.get("/alerts").status_code == 302


def test_unknown_user_gets_the_same_message(client, login):
    resp = login(client, "nobody", "whatever-123")
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.get_data(as_text=True)


def test_disabled_user_cannot_log_in(client, login):
    resp = login(client, "gone")
    assert resp.status_code == 403
    assert "已停用" in resp.get_data(as_text=True)
    assert client.get("/alerts").status_code == 302


def test_lockout_after_repeated_failures(client, login, store):
    for _ in range(3):  # LOGIN_MAX_FAILURES in the fixture
        assert login(client, "analyst", "wrong-guess-x").status_code == 401
    resp = login(client, "analyst")  # the right password no longer helps while locked
    assert resp.status_code == 429
    assert "分钟后再试" in resp.get_data(as_text=True)
    assert any(e.action == "login_locked" for e in store.audit_log(target_type="user", target_id="analyst"))


def test_lockout_of_one_account_spares_colleagues_on_the_same_address(client, login):
    for _ in range(3):
        login(client, "analyst", "wrong-guess-x")
    assert login(client, "analyst").status_code == 429
    assert login(client, "duty").status_code == 302


def test_address_is_locked_after_many_failures_across_accounts(app, login):
    c = app.test_client()
    # 3 per account in the fixture, 4x that per address: 12 failures over several names.
    for n in range(12):
        assert login(c, f"guess{n}", "wrong-guess-x").status_code == 401
    assert login(c, "duty").status_code == 429


def test_disabling_a_user_ends_their_session(app, as_user, store):
    duty = as_user("duty")
    assert duty.get("/alerts").status_code == 200
    store.update_user("duty", {"active": False}, actor="admin")
    assert duty.get("/alerts").status_code == 302


def test_password_reset_ends_old_sessions(as_user, post, store):
    duty = as_user("duty")
    admin = as_user("admin")
    resp = post(admin, "/admin/users/duty/update", {"action": "password", "password": "brand-new-pass"},
                page="/admin/users")
    assert resp.status_code == 302
    assert duty.get("/alerts").status_code == 302


def test_login_rejects_missing_csrf_token(client):
    resp = client.post("/login", data={"username": "duty", "password": PASSWORDS["duty"]})
    assert resp.status_code == 400
    assert "安全令牌" in resp.get_data(as_text=True)
    assert client.get("/alerts").status_code == 302


def test_action_rejects_foreign_csrf_token(app, as_user, store, csrf):
    store.upsert_items([make_item(1)])
    store.upsert_alerts([make_alert(1)])
    duty = as_user("duty")
    other = app.test_client()
    foreign = csrf(other, "/login")  # valid token, but of another session
    resp = duty.post("/alerts/alert001/action",
                     data={"action": "acknowledge", "csrf_token": foreign, "note": "<写了很久的说明>"})
    assert resp.status_code == 400
    assert "&lt;写了很久的说明&gt;" in resp.get_data(as_text=True)  # kept for the user, escaped
    assert store.get_alert("alert001").status == "new"
    assert store.audit_log(target_type="alert", target_id="alert001") == []


@pytest.mark.parametrize("target", ["//evil.example.com/x", "/%09/evil.example.com",
                                    "https://evil.example.com", "/\\evil.example.com"])
def test_open_redirect_is_refused(app, csrf, target):
    client = app.test_client()
    token = csrf(client, "/login")
    resp = client.post("/login", query_string={"next": target.replace("%09", "\t")},
                       data={"username": "duty", "password": PASSWORDS["duty"], "csrf_token": token})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/alerts"


def test_local_next_is_followed(client, csrf):
    token = csrf(client, "/login")
    resp = client.post("/login", query_string={"next": "/items?q=家暴"},
                       data={"username": "duty", "password": PASSWORDS["duty"], "csrf_token": token})
    assert unquote(resp.headers["Location"]) == "/items?q=家暴"


def test_cookie_flags_and_security_headers(client, login):
    resp = login(client, "duty")
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("yuqing_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    page = client.get("/alerts")
    csp = page.headers["Content-Security-Policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_healthz(client, store):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "store": True}
    store.close()
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json()["store"] is False


def test_store_outage_gives_a_clear_page(as_user, store):
    duty = as_user("duty")
    store.close()
    resp = duty.get("/alerts")
    assert resp.status_code == 503
    assert "数据存储暂时无法访问" in resp.get_data(as_text=True)
