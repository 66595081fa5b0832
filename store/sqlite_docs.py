"""The SQLite backend's other kinds: audit log, alerts, events, source health, users."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from . import rules
from .base import NotFound, StoreError
from .codec import dumps, from_doc, micros, to_doc, to_utc
from .model import Alert, AlertQuery, AuditEntry, Event, SourceHealth, User
from .sqlite_db import SqliteDb


def insert_audit(conn: sqlite3.Connection, entry: AuditEntry) -> AuditEntry:
    """Inside the caller's transaction, so a change and its audit entry land together."""
    entry = rules.new_audit(entry)
    conn.execute(
        "INSERT INTO audit (id, target_type, target_id, at, doc) VALUES (?,?,?,?,?)",
        (entry.id, entry.target_type, entry.target_id, micros(entry.at), dumps(to_doc(entry))),
    )
    return entry


class SqliteAudit:
    def __init__(self, db: SqliteDb) -> None:
        self.db = db

    def append(self, entry: AuditEntry) -> AuditEntry:
        with self.db.write() as conn:
            return insert_audit(conn, entry)

    def log(self, target_type: str | None, target_id: str | None, limit: int) -> list[AuditEntry]:
        where, params = [], []
        if target_type is not None:
            where.append("target_type = ?")
            params.append(target_type)
        if target_id is not None:
            where.append("target_id = ?")
            params.append(target_id)
        rows = self.db.read(
            f"SELECT doc FROM audit {'WHERE ' + ' AND '.join(where) if where else ''} "
            "ORDER BY at DESC, seq DESC LIMIT ?",
            [*params, max(0, int(limit))],
        )
        return [from_doc(AuditEntry, json.loads(r[0])) for r in rows]


def _write_alert(conn: sqlite3.Connection, alert: Alert) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO alerts (id, rule, risk, status, assignee, created_at, doc) VALUES (?,?,?,?,?,?,?)",
        (alert.id, alert.rule, alert.risk, alert.status, alert.assignee,
         micros(alert.created_at), dumps(to_doc(alert))),
    )


class SqliteAlerts:
    def __init__(self, db: SqliteDb) -> None:
        self.db = db

    def upsert(self, alerts: Iterable[Alert]) -> int:
        batch = list(alerts)
        for alert in batch:
            if not alert.id:
                raise StoreError("alert without an id")
            to_doc(alert)  # validates datetimes before anything is written
        with self.db.write() as conn:
            for alert in batch:
                _write_alert(conn, alert)
        return len(batch)

    def get(self, alert_id: str) -> Alert | None:
        rows = self.db.read("SELECT doc FROM alerts WHERE id = ?", (alert_id,))
        return from_doc(Alert, json.loads(rows[0][0])) if rows else None

    def search(self, query: AlertQuery) -> tuple[list[Alert], int]:
        where, params = [], []
        if query.statuses:
            where.append(f"status IN ({','.join('?' * len(query.statuses))})")
            params.extend(query.statuses)
        if query.min_risk is not None:
            where.append("risk >= ?")
            params.append(int(query.min_risk))
        if query.since is not None:
            where.append("created_at >= ?")
            params.append(micros(to_utc(query.since, "alert query since")))
        if query.until is not None:
            where.append("created_at < ?")
            params.append(micros(to_utc(query.until, "alert query until")))
        if query.rule is not None:
            where.append("rule = ?")
            params.append(query.rule)
        if query.assignee is not None:
            where.append("assignee = ?")
            params.append(query.assignee)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        total = self.db.read(f"SELECT count(*) FROM alerts {clause}", params)[0][0]
        rows = self.db.read(
            f"SELECT doc FROM alerts {clause} ORDER BY created_at DESC, id ASC LIMIT ? OFFSET ?",
            [*params, max(0, int(query.size)), max(0, int(query.offset))],
        )
        return [from_doc(Alert, json.loads(r[0])) for r in rows], total

    def update(self, alert_id: str, changes: dict[str, Any], actor: str, note: str | None) -> Alert:
        with self.db.write() as conn:
            row = conn.execute("SELECT doc FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None:
                raise NotFound(f"alert {alert_id} does not exist")
            updated, audit = rules.alert_change(from_doc(Alert, json.loads(row[0])), changes, actor, note)
            _write_alert(conn, updated)
            insert_audit(conn, audit)
        return updated


class SqliteEvents:
    def __init__(self, db: SqliteDb) -> None:
        self.db = db

    def upsert(self, events: Iterable[Event]) -> int:
        batch = [(e, dumps(to_doc(e))) for e in events]
        with self.db.write() as conn:
            for event, doc in batch:
                conn.execute(
                    "INSERT OR REPLACE INTO events (id, status, last_seen, doc) VALUES (?,?,?,?)",
                    (event.id, event.status, micros(event.last_seen), doc),
                )
        return len(batch)

    def get(self, event_id: str) -> Event | None:
        rows = self.db.read("SELECT doc FROM events WHERE id = ?", (event_id,))
        return from_doc(Event, json.loads(rows[0][0])) if rows else None

    def recent(self, status: str | None, limit: int) -> list[Event]:
        clause, params = ("WHERE status = ?", [status]) if status is not None else ("", [])
        rows = self.db.read(
            f"SELECT doc FROM events {clause} ORDER BY last_seen DESC, id ASC LIMIT ?",
            [*params, max(0, int(limit))],
        )
        return [from_doc(Event, json.loads(r[0])) for r in rows]


class SqliteSources:
    def __init__(self, db: SqliteDb) -> None:
        self.db = db

    def record_run(self, source: str, at: datetime, ok: bool, error: str | None) -> None:
        if not source:
            raise StoreError("source run without a source name")
        with self.db.write() as conn:
            row = conn.execute("SELECT doc FROM sources WHERE source = ?", (source,)).fetchone()
            health = from_doc(SourceHealth, json.loads(row[0])) if row else None
            health = rules.apply_source_run(health, source, at, ok, error)
            health.items_last_24h = 0  # computed from items when read
            conn.execute(
                "INSERT OR REPLACE INTO sources (source, doc) VALUES (?, ?)",
                (source, dumps(to_doc(health))),
            )

    def health(self, now: datetime | None) -> list[SourceHealth]:
        now = to_utc(now, "now") if now is not None else datetime.now(UTC)
        counts = dict(
            self.db.read(
                "SELECT source, count(*) FROM items WHERE fetched_at > ? AND fetched_at <= ? GROUP BY source",
                (micros(now - timedelta(hours=24)), micros(now)),
            )
        )
        out = []
        for (doc,) in self.db.read("SELECT doc FROM sources ORDER BY source"):
            health = from_doc(SourceHealth, json.loads(doc))
            health.items_last_24h = int(counts.get(health.source, 0))
            out.append(health)
        return out


class SqliteUsers:
    def __init__(self, db: SqliteDb) -> None:
        self.db = db

    def add(self, user: User) -> None:
        rules.check_user(user)
        try:
            with self.db.write() as conn:
                conn.execute("INSERT INTO users (username, doc) VALUES (?, ?)", (user.username, dumps(to_doc(user))))
        except sqlite3.IntegrityError:
            raise StoreError(f"user '{user.username}' already exists") from None

    def get(self, username: str) -> User | None:
        rows = self.db.read("SELECT doc FROM users WHERE username = ?", (username,))
        return from_doc(User, json.loads(rows[0][0])) if rows else None

    def everyone(self) -> list[User]:
        return [from_doc(User, json.loads(r[0])) for r in self.db.read("SELECT doc FROM users ORDER BY username")]

    def update(self, username: str, changes: dict[str, Any], actor: str) -> User:
        with self.db.write() as conn:
            row = conn.execute("SELECT doc FROM users WHERE username = ?", (username,)).fetchone()
            if row is None:
                raise NotFound(f"user '{username}' does not exist")
            updated, audit = rules.user_change(from_doc(User, json.loads(row[0])), changes, actor)
            conn.execute("UPDATE users SET doc = ? WHERE username = ?", (dumps(to_doc(updated)), username))
            insert_audit(conn, audit)
        return updated
