"""Admin screens: user accounts and the health of the crawled sources."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.security import generate_password_hash

from store import ROLES, AuditEntry, SourceHealth, StoreError, User, utcnow

from .auth import role_required
from .context import get_store

bp = Blueprint("admin", __name__, url_prefix="/admin")
USERNAME_RE = re.compile(r"^[\w.\-]{2,32}$")
MIN_PASSWORD = 8
STALE_AFTER = timedelta(hours=24)


def _check_password(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 位。"
    if len(password) > 128:
        return "密码过长（最多 128 位）。"
    return None


def _render_users(error: str | None = None, form: Any = None, status: int = 200) -> Any:
    users = sorted(get_store().list_users(), key=lambda u: u.username)
    trail = get_store().audit_log(target_type="user", limit=50)
    return render_template(
        "users.html", users=users, trail=trail, error=error, form=form or {}, roles=ROLES
    ), status


@bp.route("/users")
@role_required()
def users() -> Any:
    return _render_users()


@bp.route("/users/add", methods=["POST"])
@role_required()
def add_user() -> Any:
    store = get_store()
    username = request.form.get("username", "").strip()
    display_name = request.form.get("display_name", "").strip()[:50] or None
    role = request.form.get("role", "")
    password = request.form.get("password", "")
    error = None
    if not USERNAME_RE.match(username):
        error = "用户名须为 2–32 位字母、数字、汉字、下划线、点或横线。"
    elif role not in ROLES:
        error = "请选择角色。"
    elif store.get_user(username) is not None:
        error = f"用户名 {username} 已存在。"
    else:
        error = _check_password(password)
    if error:
        return _render_users(error, request.form, 400)
    try:
        store.add_user(User(username=username, password_hash=generate_password_hash(password),
                            role=role, display_name=display_name))
    except StoreError as exc:
        return _render_users(f"新增用户失败：{exc}", request.form, 400)
    store.append_audit(AuditEntry(target_type="user", target_id=username, action="add_user",
                                  actor=current_user.username, at=utcnow(),
                                  after={"role": role, "active": True}))
    flash(f"已新增用户 {username}。", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/update", methods=["POST"])
@role_required()
def update_user(username: str) -> Any:
    store = get_store()
    user = store.get_user(username)
    if user is None:
        abort(404)
    action = request.form.get("action", "")
    changes: dict[str, Any] = {}
    myself = username == current_user.username
    if action in ("disable", "enable"):
        if myself and action == "disable":
            return _render_users("不能停用自己的账号。", status=400)
        changes["active"] = action == "enable"
        done = "已启用" if action == "enable" else "已停用"
    elif action == "role":
        role = request.form.get("role", "")
        if role not in ROLES:
            return _render_users("请选择有效的角色。", status=400)
        if myself and role != "admin":
            # Otherwise the last admin could lock everyone out of user management.
            return _render_users("不能取消自己的管理员角色。", status=400)
        changes["role"] = role
        done = "已修改角色"
    elif action == "password":
        password = request.form.get("password", "")
        problem = _check_password(password)
        if problem:
            return _render_users(problem, status=400)
        changes["password_hash"] = generate_password_hash(password)
        done = "已重置密码"
    else:
        return _render_users("未知的操作。", status=400)
    try:
        store.update_user(username, changes, current_user.username)
    except StoreError as exc:
        return _render_users(f"保存失败：{exc}", status=400)
    flash(f"{done}：{username}。", "success")
    return redirect(url_for("admin.users"))


def is_unhealthy(row: SourceHealth, now: datetime) -> bool:
    """No success in a day, or the last run failed after the last success."""
    success = _aware(row.last_success_at)
    run = _aware(row.last_run_at)
    if success is None or now - success > STALE_AFTER:
        return True
    return bool(row.last_error) and run is not None and run > success


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@bp.route("/sources")
@role_required()
def sources() -> Any:
    now = utcnow()
    rows = sorted(get_store().source_health(now), key=lambda r: r.source)
    flagged = [(row, is_unhealthy(row, now)) for row in rows]
    return render_template("sources.html", rows=flagged,
                           unhealthy=sum(1 for _, bad in flagged if bad))
