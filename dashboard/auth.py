"""Login, logout, the current user and role checks (Flask-Login + werkzeug hashes)."""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from werkzeug.security import check_password_hash, generate_password_hash

from store import AuditEntry, User, utcnow

from .context import get_store
from .lockout import LoginThrottle

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
F = TypeVar("F", bound=Callable[..., Any])

# Checked when the username is unknown so both cases take the same time.
_DUMMY_HASH = generate_password_hash("yuqing-dummy-password")
ADDRESS_FACTOR = 4


class DashboardUser(UserMixin):
    def __init__(self, user: User) -> None:
        self.user = user
        self.username = user.username
        self.role = user.role
        self.display_name = user.display_name or user.username

    def get_id(self) -> str:
        # The id carries a fingerprint of the password hash: resetting a password ends
        # every session that was opened with the old one.
        return f"{self.username}:{_fingerprint(self.user.password_hash)}"


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.extensions["yuqing_throttle"] = LoginThrottle(float(app.config["LOGIN_LOCKOUT_SECONDS"]))


def _limits(username: str) -> dict[str, int]:
    per_account = int(current_app.config["LOGIN_MAX_FAILURES"])
    # A duty office often shares one address behind NAT: one officer's typos must not
    # lock out colleagues, so the address limit is several times the account limit.
    return {f"user:{username.lower()}": per_account,
            f"addr:{request.remote_addr}": per_account * ADDRESS_FACTOR}


@login_manager.user_loader
def _load_user(user_id: str) -> DashboardUser | None:
    username, _, fingerprint = user_id.rpartition(":")
    user = get_store().get_user(username)
    # A disabled account or a changed password logs the session out at its next request.
    if user is None or not user.active or _fingerprint(user.password_hash) != fingerprint:
        return None
    return DashboardUser(user)


def role_required(*roles: str) -> Callable[[F], F]:
    """Only logged-in users with one of `roles` (or admin) may call the view."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would turn the login page into a phishing aid.
    # Browsers drop tabs/newlines in URLs ("/\t/evil" becomes "//evil"), so refuse them.
    if (target and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and all(ord(c) >= 32 for c in target)):
        return target
    return url_for("alerts.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("alerts.index"))
    error = None
    username = ""
    status = 200
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        throttle: LoginThrottle = current_app.extensions["yuqing_throttle"]
        limits = _limits(username)
        keys = list(limits)
        wait = throttle.locked_for(limits)
        if not username or not password:
            error, status = "请输入用户名和密码。", 400
        elif wait > 0:
            error = f"登录失败次数过多，请 {math.ceil(wait / 60)} 分钟后再试。"
            status = 429
        else:
            user = get_store().get_user(username)
            ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
            if user is None or not ok:
                throttle.fail(keys)
                if throttle.locked_for(limits) > 0:
                    _audit_lock(username)
                error, status = "用户名或密码错误。", 401
            elif not user.active:
                error, status = "该账号已停用，请联系管理员。", 403
            else:
                # Only the account's counter: a valid login must not wipe the address's.
                throttle.succeed(keys[:1])
                session.clear()  # a fresh session on login defeats session fixation
                session.permanent = True
                login_user(DashboardUser(user))
                return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error, username=username), status


def _audit_lock(username: str) -> None:
    get_store().append_audit(
        AuditEntry(
            target_type="user",
            target_id=username[:100],
            action="login_locked",
            actor="system",
            at=utcnow(),
            note=f"来自 {request.remote_addr} 的登录失败次数过多，已暂时锁定",
        )
    )


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    logout_user()
    session.clear()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))
