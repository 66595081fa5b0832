"""SQLite connection plumbing: the schema, one WAL connection per thread, write transactions."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .base import StoreError, StoreUnavailable

_LOCAL_TZ = ZoneInfo("Asia/Shanghai")

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


class SqliteDb:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path == ":memory:":
            raise StoreError("SQLiteStore needs a file path (each thread opens its own connection)")
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False

    def conn(self) -> sqlite3.Connection:
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
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE so read-modify-write cannot interleave."""
        conn = self.conn()
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

    def read(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        try:
            return self.conn().execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"SQLite query failed: {exc}") from exc

    def setup(self) -> None:
        conn = self.conn()
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
            self.read("SELECT 1")
            return True
        except StoreError:
            return False
