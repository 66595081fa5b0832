"""Backend-independent rules: input validation, upsert merging, change sets and audit entries.

Both backends call these so they agree on what is accepted and what is recorded.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from .base import StoreError
from .codec import jsonable, to_utc
from .model import (
    AGG_FIELDS,
    ALERT_STATUSES,
    HANDLING_STATUSES,
    ROLES,
    SORT_FIELDS,
    Alert,
    AuditEntry,
    Item,
    ItemQuery,
    SourceHealth,
    User,
    utcnow,
)

MAX_PAGE_SIZE = 1000
ALERT_CHANGE_KEYS = frozenset({"status", "assignee", "notified"})
USER_CHANGE_KEYS = frozenset({"password_hash", "role", "active", "display_name"})
AUDIT_TARGETS = ("item", "alert", "event", "user", "source", "model")
# Never copy secrets into the audit log.
_REDACTED = "***"


def check_item(item: Item) -> None:
    if not isinstance(item, Item):
        raise StoreError(f"expected an Item, got {type(item).__name__}")
    if not item.id or not isinstance(item.id, str):
        raise StoreError("item without an id (use store.item_id_for)")
    if item.handling_status not in HANDLING_STATUSES:
        raise StoreError(f"item {item.id}: unknown handling_status '{item.handling_status}' (one of {', '.join(HANDLING_STATUSES)})")
    if item.risk is not None and item.risk not in (0, 1, 2, 3):
        raise StoreError(f"item {item.id}: risk must be 0..3, got {item.risk!r}")
    for name in ("published_at", "fetched_at", "labeled_at"):
        value = getattr(item, name)
        if value is not None:
            to_utc(value, f"item {item.id} {name}")


def check_sort(sort: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if not sort:
        sort = [("published_at", "desc")]
    out: list[tuple[str, str]] = []
    for entry in sort:
        try:
            name, direction = entry
        except (TypeError, ValueError):
            raise StoreError(f"sort entry {entry!r} is not a (field, 'asc'|'desc') pair") from None
        if name not in SORT_FIELDS:
            raise StoreError(f"cannot sort by '{name}' (one of {', '.join(SORT_FIELDS)})")
        if direction not in ("asc", "desc"):
            raise StoreError(f"sort direction for '{name}' must be 'asc' or 'desc', got {direction!r}")
        out.append((name, direction))
    return out


def check_item_query(query: ItemQuery) -> None:
    if not isinstance(query.size, int) or not 1 <= query.size <= MAX_PAGE_SIZE:
        raise StoreError(f"page size must be 1..{MAX_PAGE_SIZE}, got {query.size!r}")
    for name in ("since", "until"):
        value = getattr(query, name)
        if value is not None:
            to_utc(value, f"query {name}")
    for status in query.handling_statuses:
        if status not in HANDLING_STATUSES:
            raise StoreError(f"unknown handling status '{status}' (one of {', '.join(HANDLING_STATUSES)})")


def check_agg_field(by: str) -> None:
    if by not in AGG_FIELDS:
        raise StoreError(f"cannot aggregate by '{by}' (one of {', '.join(AGG_FIELDS)})")


def merge_upsert(stored: Item | None, incoming: Item) -> Item:
    """What to write for `incoming` given what is stored: keep a duty officer's and analyst's work."""
    if stored is None:
        return incoming
    merged = replace(incoming)
    if incoming.handling_status == "new" and stored.handling_status != "new":
        merged.handling_status = stored.handling_status
    if incoming.analyst_label is None and stored.analyst_label is not None:
        merged.analyst_label = stored.analyst_label
        merged.labeled_by = stored.labeled_by
        merged.labeled_at = stored.labeled_at
    if incoming.event_id is None:
        merged.event_id = stored.event_id
    # A re-crawl does not know how often copies were seen since; never shrink the count.
    merged.spread_count = max(incoming.spread_count or 0, stored.spread_count or 0)
    return merged


def dedupe_batch(items: list[Item]) -> list[Item]:
    """Last item wins when a batch carries the same id twice."""
    by_id: dict[str, Item] = {}
    for item in items:
        check_item(item)
        by_id[item.id] = item
    return list(by_id.values())


def new_audit(entry: AuditEntry) -> AuditEntry:
    if entry.target_type not in AUDIT_TARGETS:
        raise StoreError(f"audit target_type must be one of {', '.join(AUDIT_TARGETS)}")
    if not entry.actor:
        raise StoreError("audit entry without an actor")
    return replace(
        entry,
        id=entry.id or uuid.uuid4().hex,
        at=to_utc(entry.at, "audit at"),
        before=jsonable(entry.before) if entry.before is not None else None,
        after=jsonable(entry.after) if entry.after is not None else None,
    )


def handling_change(item: Item, status: str, actor: str, note: str | None) -> tuple[Item, AuditEntry]:
    if status not in HANDLING_STATUSES:
        raise StoreError(f"unknown handling status '{status}' (one of {', '.join(HANDLING_STATUSES)})")
    require_actor(actor)
    audit = AuditEntry(
        target_type="item", target_id=item.id, action="set_handling_status", actor=actor,
        at=utcnow(), before={"handling_status": item.handling_status},
        after={"handling_status": status}, note=note,
    )
    return replace(item, handling_status=status), audit


def label_change(item: Item, label: dict[str, Any], actor: str) -> tuple[Item, AuditEntry]:
    if not isinstance(label, dict) or not label:
        raise StoreError("an analyst label must be a non-empty dict (same keys as the model's labels)")
    require_actor(actor)
    now = utcnow()
    label = jsonable(label)
    audit = AuditEntry(
        target_type="item", target_id=item.id, action="set_analyst_label", actor=actor, at=now,
        before={"analyst_label": item.analyst_label, "labeled_by": item.labeled_by},
        after={"analyst_label": label, "labeled_by": actor},
    )
    return replace(item, analyst_label=label, labeled_by=actor, labeled_at=now), audit


def alert_change(alert: Alert, changes: dict[str, Any], actor: str, note: str | None) -> tuple[Alert, AuditEntry]:
    require_actor(actor)
    unknown = set(changes) - ALERT_CHANGE_KEYS
    if unknown:
        raise StoreError(f"cannot change alert field(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(ALERT_CHANGE_KEYS))})")
    if "status" in changes and changes["status"] not in ALERT_STATUSES:
        raise StoreError(f"unknown alert status '{changes['status']}' (one of {', '.join(ALERT_STATUSES)})")
    if "notified" in changes and not isinstance(changes["notified"], bool):
        raise StoreError("alert 'notified' must be true or false")
    before = {k: getattr(alert, k) for k in changes}
    updated = replace(alert, **changes, updated_at=utcnow())
    audit = AuditEntry(
        target_type="alert", target_id=alert.id, action="update_alert", actor=actor,
        at=updated.updated_at, before=before, after=dict(changes), note=note,
    )
    return updated, audit


def user_change(user: User, changes: dict[str, Any], actor: str) -> tuple[User, AuditEntry]:
    require_actor(actor)
    unknown = set(changes) - USER_CHANGE_KEYS
    if unknown:
        raise StoreError(f"cannot change user field(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(USER_CHANGE_KEYS))})")
    if "role" in changes and changes["role"] not in ROLES:
        raise StoreError(f"unknown role '{changes['role']}' (one of {', '.join(ROLES)})")
    if "active" in changes and not isinstance(changes["active"], bool):
        raise StoreError("user 'active' must be true or false")

    def shown(key: str, value: Any) -> Any:
        return _REDACTED if key == "password_hash" else value

    audit = AuditEntry(
        target_type="user", target_id=user.username, action="update_user", actor=actor,
        at=utcnow(), before={k: shown(k, getattr(user, k)) for k in changes},
        after={k: shown(k, v) for k, v in changes.items()},
    )
    return replace(user, **changes), audit


def check_user(user: User) -> None:
    if not user.username:
        raise StoreError("user without a username")
    if user.role not in ROLES:
        raise StoreError(f"unknown role '{user.role}' (one of {', '.join(ROLES)})")
    to_utc(user.created_at, "user created_at")


def apply_source_run(health: SourceHealth | None, source: str, at: datetime, ok: bool, error: str | None) -> SourceHealth:
    at = to_utc(at, "source run at")
    health = replace(health) if health else SourceHealth(source=source)
    health.last_run_at = at if health.last_run_at is None else max(health.last_run_at, at)
    if ok:
        health.last_success_at = at if health.last_success_at is None else max(health.last_success_at, at)
        # The source works again: an old error message would only mislead the dashboard.
        health.last_error = None
    else:
        health.errors_total += 1
        health.last_error = error or "unknown error"
    return health


def require_actor(actor: str) -> None:
    if not actor or not isinstance(actor, str):
        raise StoreError("every change needs an actor (the user name doing it)")
