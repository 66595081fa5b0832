"""Item search with filters, sorting and cursor paging; item detail; Excel export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import login_required

from store import Item, ItemQuery, StoreError, utcnow

from .context import get_store
from .export import build_workbook
from .filters import item_query
from .timeutil import to_local

bp = Blueprint("items", __name__)
PAGE_SIZE = 20
EXPORT_PAGE = 500


@bp.route("/items")
@login_required
def index() -> Any:
    tz = current_app.config["TIMEZONE"]
    query, parsed = item_query(request.args, tz, size=PAGE_SIZE)
    try:
        page = get_store().search_items(query)
    except StoreError as exc:
        # A stale or tampered cursor must not cost the user the rest of the search.
        parsed.errors.append(f"查询失败：{exc}")
        page = get_store().search_items(replace(query, cursor=None)) if query.cursor else None
    args = {k: v for k, v in parsed.values.items() if v}
    return render_template(
        "items.html",
        page=page,
        form=parsed.values,
        errors=parsed.errors,
        args=args,
        paged=bool(query.cursor),
    )


def _all_matching(query: ItemQuery, limit: int) -> Iterator[Item]:
    query = replace(query, size=EXPORT_PAGE, cursor=None)
    seen = 0
    while seen < limit:
        page = get_store().search_items(query)
        yield from page.items[: limit - seen]
        seen += len(page.items)
        if not page.next_cursor or not page.items:
            return
        query = replace(query, cursor=page.next_cursor)


@bp.route("/items/export.xlsx")
@login_required
def export() -> Response:
    tz = current_app.config["TIMEZONE"]
    query, _ = item_query(request.args, tz)
    data = build_workbook(_all_matching(query, int(current_app.config["EXPORT_MAX_ROWS"])), tz)
    stamp = to_local(utcnow(), tz).strftime("%Y%m%d-%H%M")  # type: ignore[union-attr]
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=yuqing-items-{stamp}.xlsx"},
    )


@bp.route("/items/<item_id>")
@login_required
def detail(item_id: str) -> Any:
    store = get_store()
    item = store.get_item(item_id)
    if item is None:
        abort(404)
    original = store.get_item(item.duplicate_of) if item.duplicate_of else None
    trail = store.audit_log(target_type="item", target_id=item.id)
    return render_template(
        "item_detail.html",
        item=item,
        original=original,
        trail=trail,
        event=store.get_event(item.event_id) if item.event_id else None,
    )
