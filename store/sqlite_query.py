"""ItemQuery -> SQL for the SQLite backend: filters, full-text match, sort, keyset cursor, aggregations."""

from __future__ import annotations

import json
from typing import Any

from . import cursor as cursors
from . import rules, textindex
from .codec import from_doc, micros
from .model import Item, ItemPage, ItemQuery
from .sqlite_db import SqliteDb

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


def _fts_phrase(term: str) -> str:
    # Quoted FTS5 strings: only the double quote needs escaping, so user text cannot inject syntax.
    return '"' + term.replace('"', '""') + '"'


def fts_match(text: str) -> str | None:
    words, grams = textindex.query_terms(text)
    parts = []
    if words:
        parts.append("words : (" + " AND ".join(map(_fts_phrase, words)) + ")")
    if grams:
        parts.append("grams : (" + " AND ".join(map(_fts_phrase, grams)) + ")")
    return " OR ".join(parts) or None


def item_filters(query: ItemQuery) -> tuple[list[str], list[Any]]:
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
        match = fts_match(query.text)
        if match:
            where.append("rid IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append(match)
    return where, params


def _sort_expr(name: str, direction: str) -> str:
    column = _SORT_COLUMNS[name]
    if name in _NULLABLE_SORT:
        return f"COALESCE({column}, {-_HIGH if direction == 'desc' else _HIGH})"
    return column


def search_items(db: SqliteDb, query: ItemQuery) -> ItemPage:
    sort = rules.check_sort(list(query.sort))
    keys = sort if sort[-1][0] == "id" else [*sort, ("id", "asc")]
    where, params = item_filters(query)
    total = db.read(
        f"SELECT count(*) FROM items {'WHERE ' + ' AND '.join(where) if where else ''}", params
    )[0][0]
    exprs = [_sort_expr(n, d) for n, d in keys]
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
    rows = db.read(
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


def aggregate_items(db: SqliteDb, query: ItemQuery, by: str) -> list[tuple[str, int]]:
    rules.check_agg_field(by)
    where, params = item_filters(query)
    if by == "day":
        key, order = "shanghai_day(eff_date)", "k ASC"
    else:
        key, order = _AGG_COLUMNS[by], "n DESC, k ASC"
        where = [*where, f"{key} IS NOT NULL"]
    rows = db.read(
        f"SELECT {key} AS k, count(*) AS n FROM items "
        f"{'WHERE ' + ' AND '.join(where) if where else ''} GROUP BY k ORDER BY {order}",
        params,
    )
    return [(str(k), int(n)) for k, n in rows]
