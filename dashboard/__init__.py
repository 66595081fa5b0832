"""Flask dashboard for duty officers (值班员), analysts (分析员) and the admin (管理员).

Application factory in the style of the Flask tutorial (flaskr): blueprints per screen,
the store and the wiring's callables passed in, nothing global.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from store import Store

from .services import Services

__all__ = ["Services", "create_app"]

_DEFAULTS: dict[str, Any] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Secure cookies need HTTPS; the service sets this when it runs behind TLS.
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_NAME": "yuqing_session",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    # Tokens live as long as the session: a detail page left open on the duty screen
    # must not lose a typed closing note to an expired token.
    "WTF_CSRF_TIME_LIMIT": None,
    "TIMEZONE": "Asia/Shanghai",
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCKOUT_SECONDS": 15 * 60,
    "EXPORT_MAX_ROWS": 10000,
    "REFRESH_SECONDS": 30,
    # rule name -> Chinese description (from the rules file), shown instead of the name
    "RULE_NAMES": {},
}


def create_app(config: dict[str, Any], store: Store, services: Services | None = None) -> Flask:
    """Build the dashboard. `config` must carry SECRET_KEY; other keys override defaults."""
    if not config or not config.get("SECRET_KEY"):
        raise ValueError("dashboard config needs SECRET_KEY (set YUQING_SECRET_KEY)")
    app = Flask(__name__)
    app.config.update(_DEFAULTS)
    app.config.update(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["yuqing_store"] = store
    app.extensions["yuqing_services"] = services or Services()

    from . import admin, alerts, analyst, auth, events, health, items, security, templating

    security.init_app(app)
    templating.init_app(app)
    auth.init_app(app)
    for module in (auth, alerts, items, analyst, events, admin, health):
        app.register_blueprint(module.bp)
    return app
