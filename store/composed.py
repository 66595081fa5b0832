"""A Store assembled from per-kind parts; both backends share this delegation.

A backend builds its parts (items, audit, alerts, events, sources, users) with the same
method names and implements only the lifecycle (setup, close, ping).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .base import Store
from .model import (
    Alert,
    AlertQuery,
    AuditEntry,
    Event,
    Item,
    ItemPage,
    ItemQuery,
    SourceHealth,
    User,
)


class ComposedStore(Store):
    """Hands each Store call to the backend's part for that kind of document."""

    _items: Any
    _audit: Any
    _alerts: Any
    _events: Any
    _sources: Any
    _users: Any

    # ---- items -----------------------------------------------------------------
    def upsert_items(self, items: Iterable[Item]) -> int:
        return self._items.upsert(items)

    def get_item(self, item_id: str) -> Item | None:
        return self._items.get(item_id)

    def search_items(self, query: ItemQuery) -> ItemPage:
        return self._items.search(query)

    def aggregate_items(self, query: ItemQuery, by: str) -> list[tuple[str, int]]:
        return self._items.aggregate(query, by)

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        return self._items.known_urls(urls)

    def find_by_content_hash(self, content_hash: str) -> Item | None:
        return self._items.find_by_content_hash(content_hash)

    def add_spread(self, item_id: str, count: int = 1) -> None:
        self._items.add_spread(item_id, count)

    def set_handling_status(self, item_id: str, status: str, actor: str, note: str | None = None) -> Item:
        return self._items.set_handling_status(item_id, status, actor, note)

    def set_analyst_label(self, item_id: str, label: dict[str, Any], actor: str) -> Item:
        return self._items.set_analyst_label(item_id, label, actor)

    def set_event(self, item_ids: Iterable[str], event_id: str | None) -> None:
        self._items.set_event(item_ids, event_id)

    def labeled_items(self) -> list[Item]:
        return self._items.labeled()

    # ---- audit -----------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> AuditEntry:
        return self._audit.append(entry)

    def audit_log(self, target_type: str | None = None, target_id: str | None = None,
                  limit: int = 200) -> list[AuditEntry]:
        return self._audit.log(target_type, target_id, limit)

    # ---- alerts ----------------------------------------------------------------
    def upsert_alerts(self, alerts: Iterable[Alert]) -> int:
        return self._alerts.upsert(alerts)

    def get_alert(self, alert_id: str) -> Alert | None:
        return self._alerts.get(alert_id)

    def search_alerts(self, query: AlertQuery) -> tuple[list[Alert], int]:
        return self._alerts.search(query)

    def update_alert(self, alert_id: str, changes: dict[str, Any], actor: str,
                     note: str | None = None) -> Alert:
        return self._alerts.update(alert_id, changes, actor, note)

    # ---- events ----------------------------------------------------------------
    def upsert_events(self, events: Iterable[Event]) -> int:
        return self._events.upsert(events)

    def get_event(self, event_id: str) -> Event | None:
        return self._events.get(event_id)

    def list_events(self, status: str | None = None, limit: int = 100) -> list[Event]:
        return self._events.recent(status, limit)

    # ---- sources ---------------------------------------------------------------
    def record_source_run(self, source: str, at: datetime, ok: bool, error: str | None = None) -> None:
        self._sources.record_run(source, at, ok, error)

    def source_health(self, now: datetime | None = None) -> list[SourceHealth]:
        return self._sources.health(now)

    # ---- users -----------------------------------------------------------------
    def add_user(self, user: User) -> None:
        self._users.add(user)

    def get_user(self, username: str) -> User | None:
        return self._users.get(username)

    def list_users(self) -> list[User]:
        return self._users.everyone()

    def update_user(self, username: str, changes: dict[str, Any], actor: str) -> User:
        return self._users.update(username, changes, actor)
