"""Events: groups of items about the same incident."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_login import login_required

from store import ItemQuery

from .context import get_store

bp = Blueprint("events", __name__)
EVENTS_SHOWN = 200
ITEMS_SHOWN = 100


@bp.route("/events")
@login_required
def index() -> Any:
    status = request.args.get("status", "")
    if status not in ("", "open", "closed"):
        status = ""
    events = get_store().list_events(status=status or None, limit=EVENTS_SHOWN)
    return render_template("events.html", events=events, status=status)


@bp.route("/events/<event_id>")
@login_required
def detail(event_id: str) -> Any:
    store = get_store()
    event = store.get_event(event_id)
    if event is None:
        abort(404)
    page = store.search_items(
        ItemQuery(event_id=event_id, size=ITEMS_SHOWN, include_duplicates=True,
                  sort=[("published_at", "asc")])
    )
    return render_template("event_detail.html", event=event, page=page)
