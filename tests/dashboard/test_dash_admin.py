"""User management with audit, and source health."""

from __future__ import annotations

from datetime import timedelta

from werkzeug.security import check_password_hash

from store import utcnow
from tests.dashboard.dashsupport import make_item


def test_add_user_with_role_and_audit(as_user, post, store, login, app):
    admin = as_user("admin")
    resp = post(admin, "/admin/users/add", {"username": "zhang", "display_name": "张三",
                                            "role": "analyst", "password": "zhang-pass-1"},
                page="/admin/users")
    assert resp.status_code == 302
    user = store.get_user("zhang")
    assert user.role == "analyst" and user.display_name == "张三" and user.active
    assert check_password_hash(user.password_hash, "zhang-pass-1")
    assert any(e.action == "add_user" and e.actor == "admin"
               for e in store.audit_log(target_type="user", target_id="zhang"))
    c = app.test_client()
    assert login(c, "zhang", "zhang-pass-1").status_code == 302


def test_add_user_errors_keep_input(as_user, post, store):
    admin = as_user("admin")
    resp = post(admin, "/admin/users/add", {"username": "li", "display_name": "李四",
                                            "role": "duty", "password": "short"}, page="/admin/users")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "密码至少 8 位" in html and 'value="李四"' in html
    assert store.get_user("li") is None
    resp = post(admin, "/admin/users/add", {"username": "duty", "role": "duty",
                                            "password": "long-enough-1"}, page="/admin/users")
    assert resp.status_code == 400 and "已存在" in resp.get_data(as_text=True)


def test_disable_enable_role_and_password(as_user, post, store, app, login):
    admin = as_user("admin")
    post(admin, "/admin/users/duty/update", {"action": "disable"}, page="/admin/users")
    assert not store.get_user("duty").active
    assert login(app.test_client(), "duty").status_code == 403
    post(admin, "/admin/users/duty/update", {"action": "enable"}, page="/admin/users")
    assert store.get_user("duty").active
    post(admin, "/admin/users/duty/update", {"action": "role", "role": "analyst"}, page="/admin/users")
    assert store.get_user("duty").role == "analyst"
    post(admin, "/admin/users/duty/update", {"action": "password", "password": "reset-pass-9"},
         page="/admin/users")
    assert login(app.test_client(), "duty", "reset-pass-9").status_code == 302
    trail = store.audit_log(target_type="user", target_id="duty")
    assert len(trail) == 4 and {e.actor for e in trail} == {"admin"}
    html = admin.get("/admin/users").get_data(as_text=True)
    assert "分析员" in html and "（已更改）" in html  # the password change, never the hash


def test_admin_cannot_lock_themselves_out(as_user, post, store):
    admin = as_user("admin")
    resp = post(admin, "/admin/users/admin/update", {"action": "disable"}, page="/admin/users")
    assert resp.status_code == 400 and "不能停用自己的账号" in resp.get_data(as_text=True)
    resp = post(admin, "/admin/users/admin/update", {"action": "role", "role": "duty"},
                page="/admin/users")
    assert resp.status_code == 400
    user = store.get_user("admin")
    assert user.active and user.role == "admin"


def test_source_health_highlights_unhealthy(as_user, store):
    now = utcnow()
    store.upsert_items([make_item(1, source="good-news", fetched_at=now - timedelta(hours=1))])
    store.record_source_run("good-news", now - timedelta(minutes=30), ok=True)
    store.record_source_run("broken-forum", now - timedelta(hours=30), ok=True)
    store.record_source_run("broken-forum", now - timedelta(minutes=10), ok=False, error="HTTP 503 服务不可用")
    html = as_user("admin").get("/admin/sources").get_data(as_text=True)
    assert "1 个异常" in html
    good = html[html.index("<td>good-news</td>") - 40:html.index("<td>good-news</td>")]
    bad = html[html.index("<td>broken-forum</td>") - 40:html.index("<td>broken-forum</td>")]
    assert "unhealthy" in bad and "unhealthy" not in good
    assert "HTTP 503 服务不可用" in html
