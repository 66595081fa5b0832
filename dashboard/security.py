"""CSRF on every form and strict response headers.

Crawled text is hostile: besides autoescaping, the CSP forbids inline scripts so an
escaping slip cannot run code, and frames are refused against clickjacking.
"""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from store import StoreError

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    csrf.init_app(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            # Pages show personal data of victims: keep them out of shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> tuple[str, int]:
        # Show what was typed (never passwords) so a long closing note is not lost.
        kept = [v for k, v in request.form.items()
                if k == "note" and v.strip()]
        return render_template(
            "error.html", code=400, message="安全令牌缺失或已过期，请刷新页面后重新提交。",
            kept=kept,
        ), 400

    @app.errorhandler(StoreError)
    def _store_error(exc: StoreError) -> tuple[str, int]:
        # A page of its own: the usual layout would ask the unreachable store for the user.
        # Rendered without context processors: Flask-Login's would load the user again.
        app.logger.error("store error: %s", exc)
        page = app.jinja_env.get_template("unavailable.html")
        return page.render(message="数据存储暂时无法访问。"), 503

    @app.errorhandler(403)
    def _forbidden(exc: Exception) -> tuple[str, int]:
        return render_template("error.html", code=403, message="您的角色无权进行此操作。"), 403

    @app.errorhandler(404)
    def _not_found(exc: Exception) -> tuple[str, int]:
        return render_template("error.html", code=404, message="页面或记录不存在。"), 404

    @app.errorhandler(405)
    def _method(exc: Exception) -> tuple[str, int]:
        return render_template("error.html", code=405, message="不支持此请求方式。"), 405

    @app.errorhandler(500)
    def _server_error(exc: Exception) -> tuple[str, int]:
        page = app.jinja_env.get_template("unavailable.html")
        return page.render(message="服务器内部错误，请稍后重试或联系管理员。"), 500
