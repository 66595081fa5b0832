"""Items on Elasticsearch: documents with derived search fields, reads, searches, guarded changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from . import cursor as cursors
from . import es_query, rules, textindex
from .base import NotFound, StoreError
from .codec import from_doc, to_doc
from .es_client import CONFLICT_ROUNDS, EsClient, backoff, reason
from .model import AuditEntry, Item, ItemPage, ItemQuery

# search_grams: Python-made n-grams of indices created before the cjk_bigram sub-field.
_DERIVED = ("date", "has_label", "search_words", "search_grams")
_TERMS_CHUNK = 1000


def item_doc(item: Item) -> dict[str, Any]:
    """The stored document of an item: its fields plus the derived ones queries use."""
    doc = to_doc(item)
    doc["date"] = doc["published_at"] or doc["fetched_at"]
    doc["has_label"] = item.analyst_label is not None
    # jieba words for the whitespace analyzer; the normalized text for the sub-field
    # search_words.cjk, whose cjk_bigram filter makes the n-grams (see es_mappings).
    norm = textindex.document_text(item.title, item.text)
    doc["search_words"] = [" ".join(textindex.words(norm)), norm]
    return doc


def item_from(source: dict[str, Any]) -> Item:
    return from_doc(Item, {k: v for k, v in source.items() if k not in _DERIVED})


def refresh_item_doc(source: dict[str, Any]) -> dict[str, Any]:
    """A stored items document with its derived fields made again (reindex re-tokenizes)."""
    return item_doc(item_from(source))


class EsItems:
    """The items kind. `audit` stores the audit entry of a handling or label change."""

    def __init__(self, client: EsClient, audit: Callable[[AuditEntry], AuditEntry]) -> None:
        self.client = client
        self.audit = audit

    def _mget(self, ids: list[str]) -> dict[str, tuple[Item, tuple[int, int]]]:
        c = self.client
        found: dict[str, tuple[Item, tuple[int, int]]] = {}
        for i in range(0, len(ids), _TERMS_CHUNK):
            resp = c.call("reading items", c.es.mget, index=c.alias("items"), ids=ids[i : i + _TERMS_CHUNK])
            for doc in resp["docs"]:
                if doc.get("found"):
                    found[doc["_id"]] = (item_from(doc["_source"]), (doc["_seq_no"], doc["_primary_term"]))
        return found

    def _modify(self, ids: list[str], change: Callable[[str, Item | None], Item | None],
                what: str) -> dict[str, Item]:
        """Read, change and write back items, re-reading the ones another writer changed meanwhile.

        `change` gets (id, stored item or None) and returns what to write (None: leave as is).
        It runs for every id before anything is written, so raising in it writes nothing.
        """
        written: dict[str, Item] = {}
        pending = list(dict.fromkeys(ids))
        for round_ in range(CONFLICT_ROUNDS):
            stored = self._mget(pending)
            actions: list[dict[str, Any]] = []
            for item_id in pending:
                current, seq = stored.get(item_id, (None, None))
                new = change(item_id, current)
                if new is None:
                    continue
                written[item_id] = new
                action: dict[str, Any] = {"_index": self.client.alias("items"), "_id": item_id,
                                          "_source": item_doc(new)}
                if seq is None:
                    action["_op_type"] = "create"
                else:
                    action["_op_type"] = "index"
                    action["if_seq_no"], action["if_primary_term"] = seq
                actions.append(action)
            conflicts = []
            for error in self.client.bulk(what, actions):
                info = next(iter(error.values()))
                if info.get("status") == 409:
                    conflicts.append(info["_id"])
                else:
                    raise StoreError(f"Elasticsearch refused {what} for item {info.get('_id')}: "
                                     f"{reason(info.get('error'))}")
            if not conflicts:
                return written
            pending = conflicts
            backoff(round_)
        raise StoreError(f"{what}: items {', '.join(pending[:5])} kept changing concurrently; try again")

    def _change_one(self, item_id: str, change: Callable[[Item], tuple[Item, AuditEntry | None]],
                    what: str) -> Item:
        audits: list[AuditEntry | None] = []

        def apply(_id: str, stored: Item | None) -> Item:
            if stored is None:
                raise NotFound(f"item {item_id} does not exist")
            updated, audit = change(stored)
            audits.append(audit)  # the last round's audit is the one that was written
            return updated

        updated = self._modify([item_id], apply, what)[item_id]
        if audits and audits[-1] is not None:
            self.audit(audits[-1])
        return updated

    def upsert(self, items: Iterable[Item]) -> int:
        batch = {item.id: item for item in rules.dedupe_batch(list(items))}
        if not batch:
            return 0
        self._modify(list(batch), lambda i, stored: rules.merge_upsert(stored, batch[i]), "writing items")
        return len(batch)

    def get(self, item_id: str) -> Item | None:
        hit = self.client.get("items", item_id)
        return item_from(hit["_source"]) if hit else None

    def search(self, query: ItemQuery) -> ItemPage:
        body, sort = es_query.search_body(query)
        hits = self.client.search("items", "searching items", **body)["hits"]
        page = hits["hits"][: query.size]
        more = len(hits["hits"]) > query.size
        return ItemPage(
            items=[item_from(h["_source"]) for h in page],
            total=int(hits["total"]["value"]),
            next_cursor=cursors.encode(sort, page[-1]["sort"]) if more and page else None,
        )

    def aggregate(self, query: ItemQuery, by: str) -> list[tuple[str, int]]:
        agg = es_query.aggregation(by)
        resp = self.client.search("items", f"counting items by {by}", query=es_query.item_query(query),
                                  size=0, aggs={"by": agg}, track_total_hits=False)
        return es_query.buckets(by, resp["aggregations"]["by"]["buckets"])

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(u for u in urls if u))
        found: set[str] = set()
        for i in range(0, len(wanted), _TERMS_CHUNK):
            chunk = wanted[i : i + _TERMS_CHUNK]
            resp = self.client.search(
                "items", "looking up known URLs", query={"terms": {"url": chunk}}, size=0,
                aggs={"urls": {"terms": {"field": "url", "size": len(chunk)}}}, track_total_hits=False,
            )
            found.update(b["key"] for b in resp["aggregations"]["urls"]["buckets"])
        return found

    def find_by_content_hash(self, content_hash: str) -> Item | None:
        # The first copy (not a duplicate) is the one others point at.
        resp = self.client.search(
            "items", "looking up a content hash", query={"term": {"content_hash": content_hash}},
            sort=[{"duplicate_of": {"order": "asc", "missing": "_first"}}, {"fetched_at": "asc"},
                  {"id": "asc"}],
            size=1, track_total_hits=False,
        )
        hits = resp["hits"]["hits"]
        return item_from(hits[0]["_source"]) if hits else None

    def add_spread(self, item_id: str, count: int = 1) -> None:
        self._change_one(item_id, lambda it: (replace(it, spread_count=(it.spread_count or 0) + count), None),
                         "raising the spread count")

    def set_handling_status(self, item_id: str, status: str, actor: str, note: str | None = None) -> Item:
        return self._change_one(item_id, lambda it: rules.handling_change(it, status, actor, note),
                                "changing the handling status")

    def set_analyst_label(self, item_id: str, label: dict[str, Any], actor: str) -> Item:
        return self._change_one(item_id, lambda it: rules.label_change(it, label, actor),
                                "storing an analyst label")

    def set_event(self, item_ids: Iterable[str], event_id: str | None) -> None:
        def apply(item_id: str, stored: Item | None) -> Item:
            if stored is None:
                raise NotFound(f"item {item_id} does not exist")
            return replace(stored, event_id=event_id)

        self._modify(list(item_ids), apply, "assigning items to an event")

    def labeled(self) -> list[Item]:
        hits = self.client.scan("items", "reading labeled items", {"term": {"has_label": True}}, [{"id": "asc"}])
        return [item_from(h["_source"]) for h in hits]
