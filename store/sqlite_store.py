"""Embedded SQLite backend: WAL mode, one connection per thread, FTS5 over jieba words and n-grams.

Every document is kept whole as JSON (`doc`) next to the columns used for filtering and
ordering, so adding a field to a document never needs a schema change.

This module only assembles the Store from its parts, one job each:
sqlite_db (schema, connections, transactions), sqlite_query (ItemQuery -> SQL, sort,
cursor, aggregations), sqlite_items (item writes and changes) and sqlite_docs (audit,
alerts, events, source health, users).
"""

from __future__ import annotations

from pathlib import Path

from .composed import ComposedStore
from .sqlite_db import SqliteDb
from .sqlite_docs import SqliteAlerts, SqliteAudit, SqliteEvents, SqliteSources, SqliteUsers
from .sqlite_items import SqliteItems


class SQLiteStore(ComposedStore):
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
