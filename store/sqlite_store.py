"""Embedded SQLite backend: WAL mode, one connection per thread, FTS5 over jieba words and n-grams.

Every document is kept whole as JSON (`doc`) next to the columns used for filtering and
ordering, so adding a field to a document never needs a schema change.

This module only assembles the Store from its parts, one job each:
sqlite_db (schema, connections, transactions), sqlite_query (ItemQuery -> SQL, sort,
cursor, aggregations), sqlite_items (item writes and changes) and sqlite_docs (audit,
alerts, events, source health, users).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
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
from .sqlite_db import SqliteDb
from .sqlite_docs import SqliteAlerts, SqliteAudit, SqliteEvents, SqliteSources, SqliteUsers
from .sqlite_items import SqliteItems


class SQLiteStore(Store):
    def __init__(self, path: str | Path) -> None:
        self.db = SqliteDb(path)
        self.path = self.db.path
        self._conn = self.db.conn  # this thread's connection (tests check WAL and per-thread use)
        self._items = SqliteItems(self.db)
        self._audit = SqliteAudit(self.db)
        self._alerts = SqliteAlerts(self.db)
        self._events = SqliteEvents(self.db)
        self._sources = SqliteSources(self.db)
        self._users = SqliteUsers(self.db)

    # ---- lifecycle -------------------------------------------------------------
    def setup(self) -> None:
        self.db.setup()

    def close(self) -> None:
        self.db.close()

    def ping(self) -> bool:
        return self.db.ping()

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
