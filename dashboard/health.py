"""/healthz for the scheduler and load balancers: is the store reachable?"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from .context import get_store

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> Any:
    try:
        ok = bool(get_store().ping())
    except Exception:  # any backend failure means "not healthy", never a 500 page
        current_app.logger.exception("store ping failed")
        ok = False
    return jsonify(status="ok" if ok else "unavailable", store=ok), (200 if ok else 503)
