"""Duty screen: the alert list, its auto-refresh feed, alert detail and the workflow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from store import ALERT_STATUSES, Alert, AlertQuery, Item, ItemQuery, StoreError, utcnow

from . import workflow
from .auth import role_required
from .context import get_store
from .filters import alert_query
from .labels import CATEGORY_LABELS, STATUS_LABELS, risk_label
from .timeutil import format_local, to_local

bp = Blueprint("alerts", __name__)
PAGE_SIZE = 50
EVENT_ITEMS_SHOWN = 50


def _status_counts() -> dict[str, int]:
    store = get_store()
    return {s: store.search_alerts(AlertQuery(statuses=[s], size=1))[1] for s in ALERT_STATUSES}


@bp.route("/")
@bp.route("/alerts")
@login_required
def index() -> Any:
    tz = current_app.config["TIMEZONE"]
    query, parsed = alert_query(request.args, tz, size=PAGE_SIZE, me=current_user.username)
    alerts, total = get_store().search_alerts(query)
    return render_template(
        "alerts.html",
        alerts=alerts,
        total=total,
        counts=_status_counts(),
        form=parsed.values,
        errors=parsed.errors,
        offset=query.offset,
        page_size=PAGE_SIZE,
        refresh_seconds=current_app.config["REFRESH_SECONDS"],
        presets=_presets(tz),
    )


def _presets(tz: str) -> list[tuple[str, str]]:
    """Quick time windows for the filter form, as local-time text the form accepts."""
    now = utcnow()
    return [(label, format_local(now - delta, tz))
            for label, delta in (("近 24 小时", timedelta(hours=24)), ("近 7 天", timedelta(days=7)))]


def _alert_json(alert: Alert, tz: str) -> dict[str, Any]:
    created = to_local(alert.created_at, tz)
    return {
        "id": alert.id,
        "title": alert.title,
        "risk": alert.risk,
        "risk_label": risk_label(alert.risk),
        "category_label": CATEGORY_LABELS.get(alert.category or "", alert.category or "—"),
        "status": alert.status,
        "status_label": STATUS_LABELS.get(alert.status, alert.status),
        "assignee": alert.assignee or "",
        "created": format_local(alert.created_at, tz),
        "created_ms": int(created.timestamp() * 1000) if created else 0,
        "url": url_for("alerts.detail", alert_id=alert.id),
    }


@bp.route("/alerts/feed.json")
@login_required
def feed() -> Any:
    """The same list as the duty screen, as JSON for the page's periodic refresh."""
    tz = current_app.config["TIMEZONE"]
    query, _ = alert_query(request.args, tz, size=PAGE_SIZE, me=current_user.username)
    alerts, total = get_store().search_alerts(query)
    return jsonify(
        total=total,
        counts=_status_counts(),
        alerts=[_alert_json(a, tz) for a in alerts],
    )


def _related(alert: Alert) -> tuple[Item | None, Any, list[Item]]:
    store = get_store()
    item = store.get_item(alert.item_id) if alert.item_id else None
    event = store.get_event(alert.event_id) if alert.event_id else None
    event_items: list[Item] = []
    if alert.event_id:
        event_items = store.search_items(
            ItemQuery(event_id=alert.event_id, size=EVENT_ITEMS_SHOWN, sort=[("risk", "desc"), ("published_at", "desc")])
        ).items
    return item, event, event_items


def _render_detail(alert: Alert, error: str | None = None, status: int = 200) -> Any:
    store = get_store()
    item, event, event_items = _related(alert)
    trail = store.audit_log(target_type="alert", target_id=alert.id)
    item_trail = store.audit_log(target_type="item", target_id=item.id) if item else []
    trail = sorted(trail + item_trail, key=lambda e: e.at, reverse=True)
    officers = [u for u in store.list_users() if u.active and u.role in ("duty", "admin")]
    return render_template(
        "alert_detail.html",
        alert=alert,
        item=item,
        event=event,
        event_items=event_items,
        trail=trail,
        officers=officers,
        error=error,
        form=request.form if request.method == "POST" else {},
    ), status


@bp.route("/alerts/<alert_id>")
@login_required
def detail(alert_id: str) -> Any:
    alert = get_store().get_alert(alert_id)
    if alert is None:
        abort(404)
    return _render_detail(alert)


@bp.route("/alerts/<alert_id>/action", methods=["POST"])
@role_required("duty")
def act(alert_id: str) -> Any:
    store = get_store()
    alert = store.get_alert(alert_id)
    if alert is None:
        abort(404)
    action = request.form.get("action", "")
    assignee = request.form.get("assignee")
    if action == "handle" and assignee:
        user = store.get_user(assignee.strip())
        if user is None or not user.active:
            return _render_detail(alert, "处置人不存在或已停用，请重新选择。", 400)
    try:
        step = workflow.plan(alert, action, current_user.username, assignee, request.form.get("note"))
    except workflow.WorkflowError as exc:
        # 409: the request was understood but the alert's state does not allow it.
        return _render_detail(alert, str(exc), 409)
    try:
        store.update_alert(alert.id, step.changes, current_user.username, note=step.note)
        if step.new_status:
            _sync_items(alert, step.new_status, step.note)
    except StoreError as exc:
        return _render_detail(alert, f"保存失败：{exc}", 500)
    flash(workflow.DONE_MESSAGES[action], "success")
    return redirect(url_for("alerts.detail", alert_id=alert.id))


def _sync_items(alert: Alert, status: str, note: str | None) -> None:
    """The items behind an alert carry the same handling state (with their own audit)."""
    store = get_store()
    ids: list[str] = []
    if alert.item_id:
        ids.append(alert.item_id)
    elif alert.event_id:
        page = store.search_items(ItemQuery(event_id=alert.event_id, size=200))
        ids.extend(i.id for i in page.items)
    for item_id in ids:
        item = store.get_item(item_id)
        if item is not None and item.handling_status != status:
            store.set_handling_status(item_id, status, current_user.username, note)
