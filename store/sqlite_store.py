"""Embedded SQLite backend: WAL mode, one connection per thread, FTS5 over jieba words and n-grams.

Every document is kept whole as JSON (`doc`) next to the columns used for filtering and
ordering, so adding a field to a document never needs a schema change.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import cursor as cursors
from . import rules, textindex
from .base import NotFound, Store, StoreError, StoreUnavailable
from .codec import dumps, from_doc, micros, to_doc, to_utc
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

_LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# Nullable numeric sort keys sort last in both directions (as Elasticsearch does).
_HIGH = 2**62
_SORT_COLUMNS = {
    "published_at": "eff_date",  # published_at, fetched_at when unknown
    "fetched_at": "fetched_at",
    "risk": "risk",
    "reposts": "reposts",
    "comments": "comments",
    "likes": "likes",
    "id": "id",
}
_NULLABLE_SORT = {"risk", "reposts", "comments", "likes"}
_AGG_COLUMNS = {
    "category": "category", "risk": "risk", "source": "source", "district": "district",
    "sentiment": "sentiment", "handling_status": "handling_status",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    category TEXT,
    risk INTEGER,
    relevant INTEGER,
    sentiment TEXT,
    district TEXT,
    handling_status TEXT NOT NULL,
    event_id TEXT,
    duplicate_of TEXT,
    content_hash TEXT,
    has_label INTEGER NOT NULL DEFAULT 0,
    eff_date INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL,
    reposts INTEGER,
    comments INTEGER,
    likes INTEGER,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_eff_date ON items(eff_date, id);
CREATE INDEX IF NOT EXISTS items_fetched ON items(source, fetched_at);
CREATE INDEX IF NOT EXISTS items_url ON items(url);
CREATE INDEX IF NOT EXISTS items_hash ON items(content_hash);
CREATE INDEX IF NOT EXISTS items_event ON items(event_id);
CREATE INDEX IF NOT EXISTS items_label ON items(has_label);
CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(words, grams);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_target ON audit(target_type, target_id, at);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    risk INTEGER NOT NULL,
    status TEXT NOT NULL,
    assignee TEXT,
    created_at INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created_at);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    last_seen INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    source TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
"""


def _shanghai_day(us: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).astimezone(_LOCAL_TZ).date().isoformat()


def _fts_phrase(term: str) -> str:
    # Quoted FTS5 strings: only the double quote needs escaping, so user text cannot inject syntax.
    return '"' + term.replace('"', '""') + '"'


class SQLiteStore(Store):
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path == ":memory:":
            raise StoreError("SQLiteStore needs a file path (each thread opens its own connection)")
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False

    # ---- connections -----------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError("the store is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA busy_timeout=30000")
            except (sqlite3.Error, OSError) as exc:
                raise StoreUnavailable(f"cannot open SQLite database {self.path}: {exc}") from exc
            conn.create_function("shanghai_day", 1, _shanghai_day, deterministic=True)
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE so read-modify-write cannot interleave."""
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite database {self.path} is busy or unavailable: {exc}") from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                raise StoreError(f"SQLite write failed, nothing was changed: {exc}") from exc
            raise

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row | tuple]:
        try:
            return self._conn().execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"SQLite query failed: {exc}") from exc

    # ---- lifecycle -------------------------------------------------------------
    def setup(self) -> None:
        conn = self._conn()
        try:
            conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot create tables in {self.path}: {exc}") from exc

    def close(self) -> None:
        self._closed = True
        with self._conns_lock:
            for conn in self._conns:
                with suppress(sqlite3.Error):
                    conn.close()
            self._conns.clear()

    def ping(self) -> bool:
        try:
            self._read("SELECT 1")
            return True
        except StoreError:
            return False

    # ---- items -----------------------------------------------------------------
    def _load_item(self, conn: sqlite3.Connection, item_id: str) -> Item | None:
        row = conn.execute("SELECT doc FROM items WHERE id = ?", (item_id,)).fetchone()
        return from_doc(Item, json.loads(row[0])) if row else None

    def _write_item(self, conn: sqlite3.Connection, item: Item) -> None:
        doc = to_doc(item)
        eff = item.published_at or item.fetched_at
        conn.execute(
            """INSERT INTO items (id, url, source, category, risk, relevant, sentiment, district,
                   handling_status, event_id, duplicate_of, content_hash, has_label, eff_date,
                   fetched_at, reposts, comments, likes, doc)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(id) DO UPDATE SET url=excluded.url, source=excluded.source,
                   category=excluded.category, risk=excluded.risk, relevant=excluded.relevant,
                   sentiment=excluded.sentiment, district=excluded.district,
                   handling_status=excluded.handling_status, event_id=excluded.event_id,
                   duplicate_of=excluded.duplicate_of, content_hash=excluded.content_hash,
                   has_label=excluded.has_label, eff_date=excluded.eff_date,
                   fetched_at=excluded.fetched_at, reposts=excluded.reposts,
                   comments=excluded.comments, likes=excluded.likes, doc=excluded.doc""",
            (
                item.id, item.url, item.source, item.category, item.risk,
                None if item.relevant is None else int(bool(item.relevant)),
                item.sentiment, item.district, item.handling_status, item.event_id,
                item.duplicate_of, item.content_hash, int(item.analyst_label is not None),
                micros(eff), micros(item.fetched_at), item.reposts, item.comments, item.likes,
                dumps(doc),
            ),
        )

    @staticmethod
    def _write_item_text(conn: sqlite3.Connection, item_id: str, words: str, grams: str) -> None:
        rid = conn.execute("SELECT rid FROM items WHERE id = ?", (item_id,)).fetchone()[0]
        conn.execute("DELETE FROM items_fts WHERE rowid = ?", (rid,))
        conn.execute("INSERT INTO items_fts (rowid, words, grams) VALUES (?, ?, ?)", (rid, words, grams))

    def upsert_items(self, items: Iterable[Item]) -> int:
        batch = rules.dedupe_batch(list(items))
        if not batch:
            return 0
        # Tokenizing is the slow part: do it before taking the write lock.
        terms = [textindex.index_terms(item.title, item.text) for item in batch]
        with self._write() as conn:
            for incoming, (words, grams) in zip(batch, terms, strict=True):
                merged = rules.merge_upsert(self._load_item(conn, incoming.id), incoming)
                self._write_item(conn, merged)
                self._write_item_text(conn, merged.id, words, grams)
        return len(batch)

    def get_item(self, item_id: str) -> Item | None:
        return self._load_item(self._conn(), item_id)

    def _item_filters(self, query: ItemQuery) -> tuple[list[str], list[Any]]:
        rules.check_item_query(query)
        where: list[str] = []
        params: list[Any] = []

        def any_of(column: str, values: list[Any]) -> None:
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)

        if query.since is not None:
            where.append("eff_date >= ?")
            params.append(micros(query.since))
        if query.until is not None:
            where.append("eff_date < ?")
            params.append(micros(query.until))
        any_of("source", list(query.sources))
        any_of("category", list(query.categories))
        any_of("handling_status", list(query.handling_statuses))
        any_of("district", list(query.districts))
        if query.min_risk is not None:
            where.append("risk >= ?")
            params.append(int(query.min_risk))
        if query.relevant is not None:
            where.append("relevant = ?")
            params.append(int(bool(query.relevant)))
        if query.event_id is not None:
            where.append("event_id = ?")
            params.append(query.event_id)
        if not query.include_duplicates:
            where.append("duplicate_of IS NULL")
        if query.text:
            match = self._fts_match(query.text)
            if match:
                where.append("rid IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
                params.append(match)
        return where, params

    @staticmethod
    def _fts_match(text: str) -> str | None:
        words, grams = textindex.query_terms(text)
        parts = []
        if words:
            parts.append("words : (" + " AND ".join(map(_fts_phrase, words)) + ")")
        if grams:
            parts.append("grams : (" + " AND ".join(map(_fts_phrase, grams)) + ")")
        return " OR ".join(parts) or None

    @staticmethod
    def _sort_expr(name: str, direction: str) -> str:
        column = _SORT_COLUMNS[name]
        if name in _NULLABLE_SORT:
            return f"COALESCE({column}, {-_HIGH if direction == 'desc' else _HIGH})"
        return column

    def search_items(self, query: ItemQuery) -> ItemPage:
        sort = rules.check_sort(list(query.sort))
        keys = sort if sort[-1][0] == "id" else [*sort, ("id", "asc")]
        where, params = self._item_filters(query)
        total = self._read(
            f"SELECT count(*) FROM items {'WHERE ' + ' AND '.join(where) if where else ''}", params
        )[0][0]
        exprs = [self._sort_expr(n, d) for n, d in keys]
        page_where, page_params = list(where), list(params)
        if query.cursor:
            values = cursors.decode(query.cursor, sort, len(keys))
            # Keyset: rows strictly after the last one in (k1, k2, ..., id) order.
            ors = []
            for i, (_name, direction) in enumerate(keys):
                conds = [f"{exprs[j]} = ?" for j in range(i)]
                conds.append(f"{exprs[i]} {'<' if direction == 'desc' else '>'} ?")
                ors.append("(" + " AND ".join(conds) + ")")
                page_params.extend(values[: i + 1])
            page_where.append("(" + " OR ".join(ors) + ")")
        order = ", ".join(f"{e} {d.upper()}" for e, (_n, d) in zip(exprs, keys, strict=True))
        rows = self._read(
            f"SELECT doc, {', '.join(exprs)} FROM items "
            f"{'WHERE ' + ' AND '.join(page_where) if page_where else ''} "
            f"ORDER BY {order} LIMIT ?",
            [*page_params, query.size + 1],
        )
        more = len(rows) > query.size
        rows = rows[: query.size]
        items = [from_doc(Item, json.loads(r[0])) for r in rows]
        next_cursor = cursors.encode(sort, list(rows[-1][1:])) if more and rows else None
        return ItemPage(items=items, total=total, next_cursor=next_cursor)

    def aggregate_items(self, query: ItemQuery, by: str) -> list[tuple[str, int]]:
        rules.check_agg_field(by)
        where, params = self._item_filters(query)
        if by == "day":
            key, order = "shanghai_day(eff_date)", "k ASC"
        else:
            key, order = _AGG_COLUMNS[by], "n DESC, k ASC"
            where = [*where, f"{key} IS NOT NULL"]
        rows = self._read(
            f"SELECT {key} AS k, count(*) AS n FROM items "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} GROUP BY k ORDER BY {order}",
            params,
        )
        return [(str(k), int(n)) for k, n in rows]

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(u for u in urls if u))
        found: set[str] = set()
        for i in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
            chunk = wanted[i : i + 500]
            rows = self._read(f"SELECT url FROM items WHERE url IN ({','.join('?' * len(chunk))})", chunk)
            found.update(r[0] for r in rows)
        return found

    def find_by_content_hash(self, content_hash: str) -> Item | None:
        # The first copy (not a duplicate) is the one others point at.
        rows = self._read(
            "SELECT doc FROM items WHERE content_hash = ? ORDER BY duplicate_of IS NOT NULL, fetched_at, id LIMIT 1",
            (content_hash,),
        )
        return from_doc(Item, json.loads(rows[0][0])) if rows else None

    def _update_item(self, item_id: str, change: Any) -> Item:
        with self._write() as conn:
            item = self._load_item(conn, item_id)
            if item is None:
                raise NotFound(f"item {item_id} does not exist")
            updated, audit = change(item)
            self._write_item(conn, updated)
            if audit is not None:
                self._insert_audit(conn, audit)
        return updated

    def add_spread(self, item_id: str, count: int = 1) -> None:
        self._update_item(item_id, lambda it: (replace(it, spread_count=(it.spread_count or 0) + count), None))

    def set_handling_status(self, item_id: str, status: str, actor: str, note: str | None = None) -> Item:
        return self._update_item(item_id, lambda it: rules.handling_change(it, status, actor, note))

    def set_analyst_label(self, item_id: str, label: dict[str, Any], actor: str) -> Item:
        return self._update_item(item_id, lambda it: rules.label_change(it, label, actor))

    def set_event(self, item_ids: Iterable[str], event_id: str | None) -> None:
        ids = list(dict.fromkeys(item_ids))
        with self._write() as conn:
            for item_id in ids:
                item = self._load_item(conn, item_id)
                if item is None:
                    raise NotFound(f"item {item_id} does not exist")
                self._write_item(conn, replace(item, event_id=event_id))

    def labeled_items(self) -> list[Item]:
        rows = self._read("SELECT doc FROM items WHERE has_label = 1 ORDER BY rid")
        return [from_doc(Item, json.loads(r[0])) for r in rows]

    # ---- audit -----------------------------------------------------------------
    @staticmethod
    def _insert_audit(conn: sqlite3.Connection, entry: AuditEntry) -> AuditEntry:
        entry = rules.new_audit(entry)
        conn.execute(
            "INSERT INTO audit (id, target_type, target_id, at, doc) VALUES (?,?,?,?,?)",
            (entry.id, entry.target_type, entry.target_id, micros(entry.at), dumps(to_doc(entry))),
        )
        return entry

    def append_audit(self, entry: AuditEntry) -> AuditEntry:
        with self._write() as conn:
            return self._insert_audit(conn, entry)

    def audit_log(self, target_type: str | None = None, target_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
        where, params = [], []
        if target_type is not None:
            where.append("target_type = ?")
            params.append(target_type)
        if target_id is not None:
            where.append("target_id = ?")
            params.append(target_id)
        rows = self._read(
            f"SELECT doc FROM audit {'WHERE ' + ' AND '.join(where) if where else ''} "
            "ORDER BY at DESC, seq DESC LIMIT ?",
            [*params, max(0, int(limit))],
        )
        return [from_doc(AuditEntry, json.loads(r[0])) for r in rows]

    # ---- alerts ----------------------------------------------------------------
    @staticmethod
    def _write_alert(conn: sqlite3.Connection, alert: Alert) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO alerts (id, rule, risk, status, assignee, created_at, doc) VALUES (?,?,?,?,?,?,?)",
            (alert.id, alert.rule, alert.risk, alert.status, alert.assignee,
             micros(alert.created_at), dumps(to_doc(alert))),
        )

    def upsert_alerts(self, alerts: Iterable[Alert]) -> int:
        batch = list(alerts)
        for alert in batch:
            if not alert.id:
                raise StoreError("alert without an id")
            to_doc(alert)  # validates datetimes before anything is written
        with self._write() as conn:
            for alert in batch:
                self._write_alert(conn, alert)
        return len(batch)

    def get_alert(self, alert_id: str) -> Alert | None:
        rows = self._read("SELECT doc FROM alerts WHERE id = ?", (alert_id,))
        return from_doc(Alert, json.loads(rows[0][0])) if rows else None

    def search_alerts(self, query: AlertQuery) -> tuple[list[Alert], int]:
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
        total = self._read(f"SELECT count(*) FROM alerts {clause}", params)[0][0]
        rows = self._read(
            f"SELECT doc FROM alerts {clause} ORDER BY created_at DESC, id ASC LIMIT ? OFFSET ?",
            [*params, max(0, int(query.size)), max(0, int(query.offset))],
        )
        return [from_doc(Alert, json.loads(r[0])) for r in rows], total

    def update_alert(self, alert_id: str, changes: dict[str, Any], actor: str, note: str | None = None) -> Alert:
        with self._write() as conn:
            row = conn.execute("SELECT doc FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None:
                raise NotFound(f"alert {alert_id} does not exist")
            updated, audit = rules.alert_change(from_doc(Alert, json.loads(row[0])), changes, actor, note)
            self._write_alert(conn, updated)
            self._insert_audit(conn, audit)
        return updated

    # ---- events ----------------------------------------------------------------
    def upsert_events(self, events: Iterable[Event]) -> int:
        batch = [(e, dumps(to_doc(e))) for e in events]
        with self._write() as conn:
            for event, doc in batch:
                conn.execute(
                    "INSERT OR REPLACE INTO events (id, status, last_seen, doc) VALUES (?,?,?,?)",
                    (event.id, event.status, micros(event.last_seen), doc),
                )
        return len(batch)

    def get_event(self, event_id: str) -> Event | None:
        rows = self._read("SELECT doc FROM events WHERE id = ?", (event_id,))
        return from_doc(Event, json.loads(rows[0][0])) if rows else None

    def list_events(self, status: str | None = None, limit: int = 100) -> list[Event]:
        clause, params = ("WHERE status = ?", [status]) if status is not None else ("", [])
        rows = self._read(
            f"SELECT doc FROM events {clause} ORDER BY last_seen DESC, id ASC LIMIT ?",
            [*params, max(0, int(limit))],
        )
        return [from_doc(Event, json.loads(r[0])) for r in rows]

    # ---- sources ---------------------------------------------------------------
    def record_source_run(self, source: str, at: datetime, ok: bool, error: str | None = None) -> None:
        if not source:
            raise StoreError("source run without a source name")
        with self._write() as conn:
            row = conn.execute("SELECT doc FROM sources WHERE source = ?", (source,)).fetchone()
            health = from_doc(SourceHealth, json.loads(row[0])) if row else None
            health = rules.apply_source_run(health, source, at, ok, error)
            health.items_last_24h = 0  # computed from items when read
            conn.execute(
                "INSERT OR REPLACE INTO sources (source, doc) VALUES (?, ?)",
                (source, dumps(to_doc(health))),
            )

    def source_health(self, now: datetime | None = None) -> list[SourceHealth]:
        now = to_utc(now, "now") if now is not None else datetime.now(UTC)
        counts = dict(
            self._read(
                "SELECT source, count(*) FROM items WHERE fetched_at > ? AND fetched_at <= ? GROUP BY source",
                (micros(now - timedelta(hours=24)), micros(now)),
            )
        )
        out = []
        for (doc,) in self._read("SELECT doc FROM sources ORDER BY source"):
            health = from_doc(SourceHealth, json.loads(doc))
            health.items_last_24h = int(counts.get(health.source, 0))
            out.append(health)
        return out

    # ---- users -----------------------------------------------------------------
    def add_user(self, user: User) -> None:
        rules.check_user(user)
        try:
            with self._write() as conn:
                conn.execute("INSERT INTO users (username, doc) VALUES (?, ?)", (user.username, dumps(to_doc(user))))
        except sqlite3.IntegrityError:
            raise StoreError(f"user '{user.username}' already exists") from None

    def get_user(self, username: str) -> User | None:
        rows = self._read("SELECT doc FROM users WHERE username = ?", (username,))
        return from_doc(User, json.loads(rows[0][0])) if rows else None

    def list_users(self) -> list[User]:
        return [from_doc(User, json.loads(r[0])) for r in self._read("SELECT doc FROM users ORDER BY username")]

    def update_user(self, username: str, changes: dict[str, Any], actor: str) -> User:
        with self._write() as conn:
            row = conn.execute("SELECT doc FROM users WHERE username = ?", (username,)).fetchone()
            if row is None:
                raise NotFound(f"user '{username}' does not exist")
            updated, audit = rules.user_change(from_doc(User, json.loads(row[0])), changes, actor)
            conn.execute("UPDATE users SET doc = ? WHERE username = ?", (dumps(to_doc(updated)), username))
            self._insert_audit(conn, audit)
        return updated
