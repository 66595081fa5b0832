"""Elasticsearch 8.x backend (official client), through one alias per document kind.

Writes refresh the index so the next read sees them (the dashboard shows what a duty
officer just did). Changes to existing documents are read-modify-write guarded by
`if_seq_no`/`if_primary_term` and retried on conflict, so concurrent writers never lose
each other's updates (the integ-test distribution has no Painless for scripted updates).
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from elasticsearch import (
    ApiError,
    ConflictError,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)

from . import StoreConfig, rules, textindex
from . import cursor as cursors
from . import es_mappings as maps
from .base import NotFound, Store, StoreError, StoreUnavailable
from .codec import from_doc, to_doc, to_utc
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

T = TypeVar("T")
_RETRY_STATUSES = (429, 502, 503, 504)
_CONFLICT_ROUNDS = 50
_PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,80}$")
_SORT_FIELDS = {
    "published_at": "date",  # published_at, fetched_at when unknown
    "fetched_at": "fetched_at", "risk": "risk", "reposts": "reposts",
    "comments": "comments", "likes": "likes", "id": "id",
}
_AGG_FIELDS = {
    "category": "category", "risk": "risk", "source": "source", "district": "district",
    "sentiment": "sentiment", "handling_status": "handling_status",
}
# search_grams: Python-made n-grams of indices created before the cjk_bigram sub-field.
_DERIVED = ("date", "has_label", "search_words", "search_grams")
_TERMS_CHUNK = 1000


class ElasticsearchStore(Store):
    def __init__(self, config: StoreConfig) -> None:
        if not config.es_urls:
            raise StoreError("ElasticsearchStore needs at least one URL (store.es_urls / YUQING_ES_URL)")
        if not _PREFIX_RE.match(config.index_prefix or ""):
            raise StoreError(
                f"index_prefix '{config.index_prefix}' is not a valid Elasticsearch index name part "
                "(lower-case letters, digits, '-', '_' or '.')"
            )
        self.config = config
        self.prefix = config.index_prefix
        kwargs: dict[str, Any] = {
            "request_timeout": config.request_timeout,
            # Retries (with backoff) are ours, see _call.
            "max_retries": 0,
            "retry_on_timeout": False,
        }
        if config.es_api_key:
            kwargs["api_key"] = config.es_api_key
        elif config.es_username:
            kwargs["basic_auth"] = (config.es_username, config.es_password or "")
        if any(u.startswith("https://") for u in config.es_urls):
            kwargs["verify_certs"] = config.es_verify_certs
            if config.es_ca_cert:
                kwargs["ca_certs"] = config.es_ca_cert
            if not config.es_verify_certs:
                kwargs["ssl_show_warn"] = False
        self.es = Elasticsearch(list(config.es_urls), **kwargs)
        self._seq_lock = threading.Lock()
        self._last_seq = 0

    # ---- plumbing --------------------------------------------------------------
    def _alias(self, kind: str) -> str:
        return maps.alias_name(self.prefix, kind)

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one client call; retry connection trouble and 429/5xx with exponential backoff."""
        delay = 0.25
        attempts = max(0, self.config.max_retries) + 1
        last: Exception | None = None
        for attempt in range(attempts):
            try:
                return fn(*args, **kwargs)
            except (NotFoundError, ConflictError):
                raise
            except ApiError as exc:
                if exc.meta.status not in _RETRY_STATUSES:
                    raise StoreError(f"Elasticsearch refused {what}: {_reason(exc)}") from exc
                last = exc
            except TransportError as exc:
                last = exc
            if attempt + 1 < attempts:
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        raise StoreUnavailable(
            f"Elasticsearch at {', '.join(self.config.es_urls)} is unavailable ({what} failed "
            f"{attempts} times): {last}"
        ) from last

    def _next_seq(self) -> int:
        with self._seq_lock:
            self._last_seq = max(self._last_seq + 1, time.time_ns())
            return self._last_seq

    def _search(self, kind: str, what: str, **body: Any) -> dict[str, Any]:
        return self._call(what, self.es.search, index=self._alias(kind), **body).body

    def _get(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        try:
            return self._call(f"reading {kind} {doc_id}", self.es.get, index=self._alias(kind), id=doc_id).body
        except NotFoundError:
            return None

    def _put(self, kind: str, doc_id: str, doc: dict[str, Any], *, create: bool = False,
             seq: tuple[int, int] | None = None) -> None:
        kwargs: dict[str, Any] = {"index": self._alias(kind), "id": doc_id, "document": doc, "refresh": True}
        if create:
            kwargs["op_type"] = "create"
        if seq is not None:
            kwargs["if_seq_no"], kwargs["if_primary_term"] = seq
        self._call(f"writing {kind} {doc_id}", self.es.index, **kwargs)

    def _bulk(self, what: str, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bulk write with refresh; returns the per-document errors (409 conflicts among them)."""
        if not actions:
            return []
        _ok, errors = self._call(
            what, helpers.bulk, self.es, actions, raise_on_error=False, refresh=True,
            max_retries=self.config.max_retries, initial_backoff=0.5, max_backoff=5,
        )
        return list(errors)  # type: ignore[arg-type]

    def _scan(self, kind: str, what: str, query: dict[str, Any], sort: list[Any],
              source: Any = True, page: int = 500) -> Iterator[dict[str, Any]]:
        """Every matching hit, paged with search_after (bounded by the index size)."""
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"query": query, "sort": sort, "size": page, "_source": source,
                                    "track_total_hits": False}
            if after is not None:
                body["search_after"] = after
            hits = self._search(kind, what, **body)["hits"]["hits"]
            yield from hits
            if len(hits) < page:
                return
            after = hits[-1]["sort"]

    # ---- lifecycle -------------------------------------------------------------
    def setup(self) -> None:
        """Create templates and indices, or bring existing ones up to the current mapping.

        An index that lacks an analyzer of the current mapping is copied into a new index
        (see reindex(): writes are refused during the copy), because analysis settings cannot change on
        an open index and documents already stored would never be analyzed by it.
        """
        self._put_templates()
        for kind in maps.KINDS:
            alias = self._alias(kind)
            if self._call(f"checking alias {alias}", self.es.indices.exists_alias, name=alias):
                if not self._has_analyzers(kind):
                    self.reindex(kind)
                    continue
                # New fields reach the live index at once; a changed field type needs reindex().
                self._call(
                    f"updating the mapping of {alias}", self.es.indices.put_mapping,
                    index=alias, **maps.template_body(self.prefix, kind)["template"]["mappings"],
                )
                continue
            try:
                self._call(
                    f"creating index for {alias}", self.es.indices.create,
                    index=maps.first_index_name(self.prefix, kind),
                    aliases={alias: {"is_write_index": True}},
                    wait_for_active_shards="1",
                )
            except StoreError as exc:
                # Another process set it up at the same moment: fine, it is there now.
                if "resource_already_exists" not in str(exc):
                    raise

    def _put_templates(self) -> None:
        for kind in maps.KINDS:
            alias = self._alias(kind)
            try:
                self._call(
                    f"creating index template {alias}", self.es.indices.put_index_template,
                    name=alias, **maps.template_body(self.prefix, kind),
                )
            except StoreError as exc:
                if "cjk_" in str(exc):
                    raise StoreError(
                        f"Elasticsearch at {', '.join(self.config.es_urls)} lacks the cjk_bigram/cjk_width "
                        "token filters (module analysis-common). A full distribution has them; the test "
                        "build started by scripts/es.sh gets them from scripts/es-cjk-plugin. "
                        f"Details: {exc}"
                    ) from exc
                raise

    def _has_analyzers(self, kind: str) -> bool:
        """Whether every index behind the alias defines the analyzers of the current mapping."""
        wanted = maps.analyzer_names(kind)
        if not wanted:
            return True
        alias = self._alias(kind)
        indices = self._call(f"reading alias {alias}", self.es.indices.get_alias, name=alias).body
        # An index without any analyzer is left out of this answer entirely.
        found = self._call(f"reading the settings of {alias}", self.es.indices.get_settings,
                           index=alias, name="index.analysis.analyzer.*").body
        for index in indices:
            settings = found.get(index, {}).get("settings", {})
            defined = settings.get("index", {}).get("analysis", {}).get("analyzer", {})
            if not wanted <= set(defined):
                return False
        return True

    def reindex(self, kind: str) -> str:
        """Copy one kind into the next concrete index with the current mapping; move the alias.

        Reads keep working throughout. Writes are blocked on the old index while it is
        copied (they fail with a clear error instead of being lost), so run this when the
        crawler is paused. Items are re-tokenized, which also picks up jieba dictionary
        changes. Returns the new index name.
        """
        if kind not in maps.KINDS:
            raise StoreError(f"unknown document kind '{kind}' (one of {', '.join(maps.KINDS)})")
        alias = self._alias(kind)
        current = sorted(self._call(f"reading alias {alias}", self.es.indices.get_alias, name=alias).body)
        if len(current) != 1:
            raise StoreError(f"alias {alias} points at {len(current)} indices ({', '.join(current)}); expected one")
        old = current[0]
        match = re.fullmatch(rf"{re.escape(alias)}-(\d+)", old)
        number = int(match.group(1)) + 1 if match else 1
        new = f"{alias}-{number:06d}"
        self._put_templates()  # the template carries the current mapping into the new index
        self._call(f"creating {new}", self.es.indices.create, index=new, wait_for_active_shards="1")
        self._call(f"blocking writes to {old}", self.es.indices.put_settings, index=old,
                   settings={"index.blocks.write": True})
        try:
            actions = []
            for hit in self._scan(kind, f"copying {alias}", {"match_all": {}}, [{"_doc": "asc"}]):
                source = hit["_source"]
                if kind == "items":
                    source = self._item_doc(self._item_from(source))
                actions.append({"_op_type": "index", "_index": new, "_id": hit["_id"], "_source": source})
                if len(actions) >= 500:
                    self._bulk_strict(f"copying {alias}", actions)
                    actions = []
            self._bulk_strict(f"copying {alias}", actions)
            self._call(f"moving alias {alias}", self.es.indices.update_aliases, actions=[
                {"remove": {"index": old, "alias": alias}},
                {"add": {"index": new, "alias": alias, "is_write_index": True}},
            ])
        except BaseException:
            # Leave things as they were: the old index keeps the alias and takes writes again.
            self.es.options(ignore_status=404).indices.delete(index=new)
            self.es.indices.put_settings(index=old, settings={"index.blocks.write": False})
            raise
        self._call(f"deleting {old}", self.es.indices.delete, index=old)
        return new

    def _bulk_strict(self, what: str, actions: list[dict[str, Any]]) -> None:
        errors = self._bulk(what, actions)
        if errors:
            info = next(iter(errors[0].values()))
            raise StoreError(f"Elasticsearch refused {what} for {info.get('_id')}: {_reason(info.get('error'))}")

    def drop_all(self) -> None:
        """Delete every index and template of this prefix (tests and reset tools only)."""
        quiet = self.es.options(ignore_status=404)
        for kind in maps.KINDS:
            alias = self._alias(kind)
            # Deleting by wildcard is refused by default (action.destructive_requires_name).
            found = self._call(f"listing {alias}", quiet.indices.get, index=f"{alias}-*",
                               expand_wildcards="all").body
            names = [n for n in found if isinstance(found.get(n), dict)]
            if names:
                self._call(f"deleting {alias}", quiet.indices.delete, index=",".join(names))
            self._call(f"deleting template {alias}", quiet.indices.delete_index_template, name=alias)

    def close(self) -> None:
        self.es.close()

    def ping(self) -> bool:
        # Not HEAD /: that endpoint lives in the rest-root module, absent from minimal builds.
        try:
            self.es.options(request_timeout=min(5.0, self.config.request_timeout)).cluster.health()
            return True
        except (ApiError, TransportError):
            return False

    # ---- items -----------------------------------------------------------------
    @staticmethod
    def _item_doc(item: Item) -> dict[str, Any]:
        doc = to_doc(item)
        doc["date"] = doc["published_at"] or doc["fetched_at"]
        doc["has_label"] = item.analyst_label is not None
        # jieba words for the whitespace analyzer; the normalized text for the sub-field
        # search_words.cjk, whose cjk_bigram filter makes the n-grams (see es_mappings).
        norm = textindex.document_text(item.title, item.text)
        doc["search_words"] = [" ".join(textindex.words(norm)), norm]
        return doc

    @staticmethod
    def _item_from(source: dict[str, Any]) -> Item:
        return from_doc(Item, {k: v for k, v in source.items() if k not in _DERIVED})

    def _mget_items(self, ids: list[str]) -> dict[str, tuple[Item, tuple[int, int]]]:
        found: dict[str, tuple[Item, tuple[int, int]]] = {}
        for i in range(0, len(ids), _TERMS_CHUNK):
            resp = self._call("reading items", self.es.mget, index=self._alias("items"),
                              ids=ids[i : i + _TERMS_CHUNK])
            for doc in resp["docs"]:
                if doc.get("found"):
                    found[doc["_id"]] = (self._item_from(doc["_source"]),
                                         (doc["_seq_no"], doc["_primary_term"]))
        return found

    def _modify_items(self, ids: list[str], change: Callable[[str, Item | None], Item | None],
                      what: str) -> dict[str, Item]:
        """Read, change and write back items, re-reading the ones another writer changed meanwhile.

        `change` gets (id, stored item or None) and returns what to write (None: leave as is).
        It runs for every id before anything is written, so raising in it writes nothing.
        """
        written: dict[str, Item] = {}
        pending = list(dict.fromkeys(ids))
        for _round in range(_CONFLICT_ROUNDS):
            stored = self._mget_items(pending)
            actions: list[dict[str, Any]] = []
            for item_id in pending:
                current, seq = stored.get(item_id, (None, None))
                new = change(item_id, current)
                if new is None:
                    continue
                written[item_id] = new
                action: dict[str, Any] = {"_index": self._alias("items"), "_id": item_id,
                                          "_source": self._item_doc(new)}
                if seq is None:
                    action["_op_type"] = "create"
                else:
                    action["_op_type"] = "index"
                    action["if_seq_no"], action["if_primary_term"] = seq
                actions.append(action)
            conflicts = []
            for error in self._bulk(what, actions):
                info = next(iter(error.values()))
                if info.get("status") == 409:
                    conflicts.append(info["_id"])
                else:
                    raise StoreError(f"Elasticsearch refused {what} for item {info.get('_id')}: "
                                     f"{_reason(info.get('error'))}")
            if not conflicts:
                return written
            pending = conflicts
            _backoff(_round)
        raise StoreError(f"{what}: items {', '.join(pending[:5])} kept changing concurrently; try again")

    def upsert_items(self, items: Iterable[Item]) -> int:
        batch = {item.id: item for item in rules.dedupe_batch(list(items))}
        if not batch:
            return 0
        self._modify_items(list(batch), lambda i, stored: rules.merge_upsert(stored, batch[i]),
                           "writing items")
        return len(batch)

    def get_item(self, item_id: str) -> Item | None:
        hit = self._get("items", item_id)
        return self._item_from(hit["_source"]) if hit else None

    def _item_query(self, query: ItemQuery) -> dict[str, Any]:
        rules.check_item_query(query)
        filters: list[dict[str, Any]] = []
        date_range: dict[str, str] = {}
        if query.since is not None:
            date_range["gte"] = to_utc(query.since).isoformat()
        if query.until is not None:
            date_range["lt"] = to_utc(query.until).isoformat()
        if date_range:
            filters.append({"range": {"date": date_range}})
        for field, values in (("source", query.sources), ("category", query.categories),
                              ("handling_status", query.handling_statuses),
                              ("district", query.districts)):
            if values:
                filters.append({"terms": {field: list(values)}})
        if query.min_risk is not None:
            filters.append({"range": {"risk": {"gte": int(query.min_risk)}}})
        if query.relevant is not None:
            filters.append({"term": {"relevant": bool(query.relevant)}})
        if query.event_id is not None:
            filters.append({"term": {"event_id": query.event_id}})
        must_not = [] if query.include_duplicates else [{"exists": {"field": "duplicate_of"}}]
        bool_query: dict[str, Any] = {"filter": filters, "must_not": must_not}
        if query.text:
            words, grams = textindex.query_terms(query.text)
            should = []
            if words:
                should.append({"match": {"search_words": {"query": " ".join(words), "operator": "and"}}})
            if grams:
                # Elasticsearch makes the bigrams from the normalized query (search analyzer of
                # the sub-field); the Python n-grams only say whether there are any, so both
                # backends agree on which queries have a bigram part at all.
                should.append({"match": {"search_words.cjk": {"query": textindex.normalize(query.text),
                                                             "operator": "and"}}})
            if should:
                bool_query["should"] = should
                bool_query["minimum_should_match"] = 1
        return {"bool": bool_query}

    def search_items(self, query: ItemQuery) -> ItemPage:
        sort = rules.check_sort(list(query.sort))
        keys = sort if sort[-1][0] == "id" else [*sort, ("id", "asc")]
        body: dict[str, Any] = {
            "query": self._item_query(query),
            "sort": [{_SORT_FIELDS[n]: {"order": d, "missing": "_last"}} for n, d in keys],
            "size": query.size + 1,
            "track_total_hits": True,
        }
        if query.cursor:
            body["search_after"] = cursors.decode(query.cursor, sort, len(keys))
        hits = self._search("items", "searching items", **body)["hits"]
        page = hits["hits"][: query.size]
        more = len(hits["hits"]) > query.size
        return ItemPage(
            items=[self._item_from(h["_source"]) for h in page],
            total=int(hits["total"]["value"]),
            next_cursor=cursors.encode(sort, page[-1]["sort"]) if more and page else None,
        )

    def aggregate_items(self, query: ItemQuery, by: str) -> list[tuple[str, int]]:
        rules.check_agg_field(by)
        if by == "day":
            agg = {"date_histogram": {"field": "date", "calendar_interval": "day",
                                      "time_zone": "Asia/Shanghai", "format": "yyyy-MM-dd",
                                      "min_doc_count": 1}}
        else:
            agg = {"terms": {"field": _AGG_FIELDS[by], "size": 10_000,
                             "order": [{"_count": "desc"}, {"_key": "asc"}]}}
        resp = self._search("items", f"counting items by {by}", query=self._item_query(query),
                            size=0, aggs={"by": agg}, track_total_hits=False)
        buckets = resp["aggregations"]["by"]["buckets"]
        if by == "day":
            return [(b["key_as_string"], int(b["doc_count"])) for b in buckets]
        return [(str(b["key"]), int(b["doc_count"])) for b in buckets]

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(u for u in urls if u))
        found: set[str] = set()
        for i in range(0, len(wanted), _TERMS_CHUNK):
            chunk = wanted[i : i + _TERMS_CHUNK]
            resp = self._search(
                "items", "looking up known URLs", query={"terms": {"url": chunk}}, size=0,
                aggs={"urls": {"terms": {"field": "url", "size": len(chunk)}}}, track_total_hits=False,
            )
            found.update(b["key"] for b in resp["aggregations"]["urls"]["buckets"])
        return found

    def find_by_content_hash(self, content_hash: str) -> Item | None:
        # The first copy (not a duplicate) is the one others point at.
        resp = self._search(
            "items", "looking up a content hash", query={"term": {"content_hash": content_hash}},
            sort=[{"duplicate_of": {"order": "asc", "missing": "_first"}}, {"fetched_at": "asc"},
                  {"id": "asc"}],
            size=1, track_total_hits=False,
        )
        hits = resp["hits"]["hits"]
        return self._item_from(hits[0]["_source"]) if hits else None

    def _change_one(self, item_id: str, change: Callable[[Item], tuple[Item, AuditEntry | None]],
                    what: str) -> Item:
        audits: list[AuditEntry | None] = []

        def apply(_id: str, stored: Item | None) -> Item:
            if stored is None:
                raise NotFound(f"item {item_id} does not exist")
            updated, audit = change(stored)
            audits.append(audit)  # the last round's audit is the one that was written
            return updated

        updated = self._modify_items([item_id], apply, what)[item_id]
        if audits and audits[-1] is not None:
            self.append_audit(audits[-1])
        return updated

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

        self._modify_items(list(item_ids), apply, "assigning items to an event")

    def labeled_items(self) -> list[Item]:
        hits = self._scan("items", "reading labeled items", {"term": {"has_label": True}}, [{"id": "asc"}])
        return [self._item_from(h["_source"]) for h in hits]

    # ---- audit -----------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> AuditEntry:
        entry = rules.new_audit(entry)
        doc = to_doc(entry)
        doc["seq"] = self._next_seq()
        self._put("audit", entry.id or "", doc)
        return entry

    def audit_log(self, target_type: str | None = None, target_id: str | None = None,
                  limit: int = 200) -> list[AuditEntry]:
        filters = []
        if target_type is not None:
            filters.append({"term": {"target_type": target_type}})
        if target_id is not None:
            filters.append({"term": {"target_id": target_id}})
        limit = max(0, int(limit))
        sort = [{"at": "desc"}, {"seq": "desc"}]
        hits = itertools.islice(
            self._scan("audit", "reading the audit log", {"bool": {"filter": filters}}, sort,
                       page=min(max(limit, 1), 1000)),
            limit,
        )
        return [from_doc(AuditEntry, h["_source"]) for h in hits]

    # ---- alerts ----------------------------------------------------------------
    def upsert_alerts(self, alerts: Iterable[Alert]) -> int:
        batch = list(alerts)
        for alert in batch:
            if not alert.id:
                raise StoreError("alert without an id")
        actions = [{"_op_type": "index", "_index": self._alias("alerts"), "_id": a.id,
                    "_source": to_doc(a)} for a in batch]
        self._bulk_strict("writing alerts", actions)
        return len(batch)

    def get_alert(self, alert_id: str) -> Alert | None:
        hit = self._get("alerts", alert_id)
        return from_doc(Alert, hit["_source"]) if hit else None

    def search_alerts(self, query: AlertQuery) -> tuple[list[Alert], int]:
        filters: list[dict[str, Any]] = []
        if query.statuses:
            filters.append({"terms": {"status": list(query.statuses)}})
        if query.min_risk is not None:
            filters.append({"range": {"risk": {"gte": int(query.min_risk)}}})
        created: dict[str, str] = {}
        if query.since is not None:
            created["gte"] = to_utc(query.since, "alert query since").isoformat()
        if query.until is not None:
            created["lt"] = to_utc(query.until, "alert query until").isoformat()
        if created:
            filters.append({"range": {"created_at": created}})
        if query.rule is not None:
            filters.append({"term": {"rule": query.rule}})
        if query.assignee is not None:
            filters.append({"term": {"assignee": query.assignee}})
        resp = self._search(
            "alerts", "searching alerts", query={"bool": {"filter": filters}},
            sort=[{"created_at": "desc"}, {"id": "asc"}], size=max(0, int(query.size)),
            from_=max(0, int(query.offset)), track_total_hits=True,
        )
        hits = resp["hits"]
        return [from_doc(Alert, h["_source"]) for h in hits["hits"]], int(hits["total"]["value"])

    def _change_doc(self, kind: str, doc_id: str, cls: type[T],
                    change: Callable[[T], tuple[T, AuditEntry]], missing: str) -> T:
        for _round in range(_CONFLICT_ROUNDS):
            hit = self._get(kind, doc_id)
            if hit is None:
                raise NotFound(missing)
            updated, audit = change(from_doc(cls, hit["_source"]))
            try:
                self._put(kind, doc_id, to_doc(updated), seq=(hit["_seq_no"], hit["_primary_term"]))
            except ConflictError:
                _backoff(_round)
                continue
            self.append_audit(audit)
            return updated
        raise StoreError(f"{kind} {doc_id} kept changing concurrently; try again")

    def update_alert(self, alert_id: str, changes: dict[str, Any], actor: str,
                     note: str | None = None) -> Alert:
        return self._change_doc("alerts", alert_id, Alert,
                                lambda a: rules.alert_change(a, changes, actor, note),
                                f"alert {alert_id} does not exist")

    # ---- events ----------------------------------------------------------------
    def upsert_events(self, events: Iterable[Event]) -> int:
        batch = list(events)
        actions = [{"_op_type": "index", "_index": self._alias("events"), "_id": e.id,
                    "_source": to_doc(e)} for e in batch]
        self._bulk_strict("writing events", actions)
        return len(batch)

    def get_event(self, event_id: str) -> Event | None:
        hit = self._get("events", event_id)
        return from_doc(Event, hit["_source"]) if hit else None

    def list_events(self, status: str | None = None, limit: int = 100) -> list[Event]:
        query = {"term": {"status": status}} if status is not None else {"match_all": {}}
        resp = self._search("events", "listing events", query=query,
                            sort=[{"last_seen": "desc"}, {"id": "asc"}],
                            size=max(0, min(int(limit), 10_000)), track_total_hits=False)
        return [from_doc(Event, h["_source"]) for h in resp["hits"]["hits"]]

    # ---- sources ---------------------------------------------------------------
    def record_source_run(self, source: str, at: datetime, ok: bool, error: str | None = None) -> None:
        if not source:
            raise StoreError("source run without a source name")
        for _round in range(_CONFLICT_ROUNDS):
            hit = self._get("sources", source)
            health = from_doc(SourceHealth, hit["_source"]) if hit else None
            health = rules.apply_source_run(health, source, at, ok, error)
            health.items_last_24h = 0  # computed from items when read
            try:
                if hit is None:
                    self._put("sources", source, to_doc(health), create=True)
                else:
                    self._put("sources", source, to_doc(health), seq=(hit["_seq_no"], hit["_primary_term"]))
                return
            except ConflictError:
                _backoff(_round)
                continue
        raise StoreError(f"source {source} kept changing concurrently; try again")

    def source_health(self, now: datetime | None = None) -> list[SourceHealth]:
        now = to_utc(now, "now") if now is not None else datetime.now(UTC)
        resp = self._search(
            "items", "counting items per source",
            query={"range": {"fetched_at": {"gt": (now - timedelta(hours=24)).isoformat(),
                                            "lte": now.isoformat()}}},
            size=0, aggs={"by": {"terms": {"field": "source", "size": 10_000}}}, track_total_hits=False,
        )
        counts = {b["key"]: int(b["doc_count"]) for b in resp["aggregations"]["by"]["buckets"]}
        out = []
        for hit in self._scan("sources", "reading source health", {"match_all": {}}, [{"source": "asc"}]):
            health = from_doc(SourceHealth, hit["_source"])
            health.items_last_24h = counts.get(health.source, 0)
            out.append(health)
        return out

    # ---- users -----------------------------------------------------------------
    def add_user(self, user: User) -> None:
        rules.check_user(user)
        try:
            self._put("users", user.username, to_doc(user), create=True)
        except ConflictError:
            raise StoreError(f"user '{user.username}' already exists") from None

    def get_user(self, username: str) -> User | None:
        hit = self._get("users", username)
        return from_doc(User, hit["_source"]) if hit else None

    def list_users(self) -> list[User]:
        hits = self._scan("users", "listing users", {"match_all": {}}, [{"username": "asc"}])
        return [from_doc(User, h["_source"]) for h in hits]

    def update_user(self, username: str, changes: dict[str, Any], actor: str) -> User:
        return self._change_doc("users", username, User,
                                lambda u: rules.user_change(u, changes, actor),
                                f"user '{username}' does not exist")


def _backoff(attempt: int) -> None:
    """Random pause after a write conflict so competing writers stop colliding."""
    time.sleep(random.uniform(0, min(0.02 * (attempt + 1), 0.5)))


def _reason(error: Any) -> str:
    """The human part of an Elasticsearch error (ApiError or a bulk item's error dict)."""
    if isinstance(error, ApiError):
        body = error.body if isinstance(error.body, dict) else {}
        error = body.get("error", error.message)
    if isinstance(error, dict):
        cause = error.get("caused_by") or {}
        reason = error.get("reason") or error.get("type") or str(error)
        return f"{reason} ({cause.get('reason')})" if cause.get("reason") else str(reason)
    return str(error)
