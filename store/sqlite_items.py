"""Items in the SQLite backend: upserts (document, filter columns, full-text rows) and per-item changes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from . import rules, textindex
from .base import NotFound
from .codec import dumps, from_doc, micros, to_doc
from .model import AuditEntry, Item, ItemPage, ItemQuery
from .sqlite_db import SqliteDb
from .sqlite_docs import insert_audit
from .sqlite_query import aggregate_items, search_items


def _load_item(conn: sqlite3.Connection, item_id: str) -> Item | None:
    row = conn.execute("SELECT doc FROM items WHERE id = ?", (item_id,)).fetchone()
    return from_doc(Item, json.loads(row[0])) if row else None


def _write_item(conn: sqlite3.Connection, item: Item) -> None:
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


def _write_item_text(conn: sqlite3.Connection, item_id: str, words: str, grams: str) -> None:
    rid = conn.execute("SELECT rid FROM items WHERE id = ?", (item_id,)).fetchone()[0]
    conn.execute("DELETE FROM items_fts WHERE rowid = ?", (rid,))
    conn.execute("INSERT INTO items_fts (rowid, words, grams) VALUES (?, ?, ?)", (rid, words, grams))


class SqliteItems:
    def __init__(self, db: SqliteDb) -> None:
        self.db = db

    def upsert(self, items: Iterable[Item]) -> int:
        batch = rules.dedupe_batch(list(items))
        if not batch:
            return 0
        # Tokenizing is the slow part: do it before taking the write lock.
        terms = [textindex.index_terms(item.title, item.text) for item in batch]
        with self.db.write() as conn:
            for incoming, (words, grams) in zip(batch, terms, strict=True):
                merged = rules.merge_upsert(_load_item(conn, incoming.id), incoming)
                _write_item(conn, merged)
                _write_item_text(conn, merged.id, words, grams)
        return len(batch)

    def get(self, item_id: str) -> Item | None:
        return _load_item(self.db.conn(), item_id)

    def search(self, query: ItemQuery) -> ItemPage:
        return search_items(self.db, query)

    def aggregate(self, query: ItemQuery, by: str) -> list[tuple[str, int]]:
        return aggregate_items(self.db, query, by)

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(u for u in urls if u))
        found: set[str] = set()
        for i in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
            chunk = wanted[i : i + 500]
            rows = self.db.read(f"SELECT url FROM items WHERE url IN ({','.join('?' * len(chunk))})", chunk)
            found.update(r[0] for r in rows)
        return found

    def find_by_content_hash(self, content_hash: str) -> Item | None:
        # The first copy (not a duplicate) is the one others point at.
        rows = self.db.read(
            "SELECT doc FROM items WHERE content_hash = ? ORDER BY duplicate_of IS NOT NULL, fetched_at, id LIMIT 1",
            (content_hash,),
        )
        return from_doc(Item, json.loads(rows[0][0])) if rows else None

    def _update(self, item_id: str, change: Callable[[Item], tuple[Item, AuditEntry | None]]) -> Item:
        with self.db.write() as conn:
            item = _load_item(conn, item_id)
            if item is None:
                raise NotFound(f"item {item_id} does not exist")
            updated, audit = change(item)
            _write_item(conn, updated)
            if audit is not None:
                insert_audit(conn, audit)
        return updated

    def add_spread(self, item_id: str, count: int) -> None:
        self._update(item_id, lambda it: (replace(it, spread_count=(it.spread_count or 0) + count), None))

    def set_handling_status(self, item_id: str, status: str, actor: str, note: str | None) -> Item:
        return self._update(item_id, lambda it: rules.handling_change(it, status, actor, note))

    def set_analyst_label(self, item_id: str, label: dict[str, Any], actor: str) -> Item:
        return self._update(item_id, lambda it: rules.label_change(it, label, actor))

    def set_event(self, item_ids: Iterable[str], event_id: str | None) -> None:
        ids = list(dict.fromkeys(item_ids))
        with self.db.write() as conn:
            for item_id in ids:
                item = _load_item(conn, item_id)
                if item is None:
                    raise NotFound(f"item {item_id} does not exist")
                _write_item(conn, replace(item, event_id=event_id))

    def labeled(self) -> list[Item]:
        rows = self.db.read("SELECT doc FROM items WHERE has_label = 1 ORDER BY rid")
        return [from_doc(Item, json.loads(r[0])) for r in rows]
