"""The smaller document kinds on Elasticsearch: audit log, alerts, events, source health, users."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from elasticsearch import ConflictError

from . import rules
from .base import NotFound, StoreError
from .codec import from_doc, to_doc, to_utc
from .es_client import EsClient
from .model import Alert, AlertQuery, AuditEntry, Event, SourceHealth, User

T = TypeVar("T")


def read_doc(client: EsClient, kind: str, cls: type[T], doc_id: str) -> T | None:
    hit = client.get(kind, doc_id)
    return from_doc(cls, hit["_source"]) if hit else None


def change_doc(client: EsClient, kind: str, doc_id: str, cls: type[T],
               change: Callable[[T], tuple[T, AuditEntry]], missing: str,
               audit: Callable[[AuditEntry], AuditEntry]) -> T:
    """Apply `change` to a stored document (retried on conflict), then store its audit entry."""
    result: list[tuple[T, AuditEntry]] = []

    def apply(source: dict[str, Any] | None) -> dict[str, Any]:
        if source is None:
            raise NotFound(missing)
        result.append(change(from_doc(cls, source)))  # the last round's is the one written
        return to_doc(result[-1][0])

    client.rewrite(kind, doc_id, apply)
    updated, entry = result[-1]
    audit(entry)
    return updated


class EsAudit:
    def __init__(self, client: EsClient) -> None:
        self.client = client

    def append(self, entry: AuditEntry) -> AuditEntry:
        entry = rules.new_audit(entry)
        doc = to_doc(entry)
        # Orders entries with the same timestamp in the order they were written.
        doc["seq"] = self.client.next_seq()
        self.client.put("audit", entry.id or "", doc)
        return entry

    def log(self, target_type: str | None = None, target_id: str | None = None,
            limit: int = 200) -> list[AuditEntry]:
        filters = []
        if target_type is not None:
            filters.append({"term": {"target_type": target_type}})
        if target_id is not None:
            filters.append({"term": {"target_id": target_id}})
        limit = max(0, int(limit))
        sort = [{"at": "desc"}, {"seq": "desc"}]
        hits = itertools.islice(
            self.client.scan("audit", "reading the audit log", {"bool": {"filter": filters}}, sort,
                             page=min(max(limit, 1), 1000)),
            limit,
        )
        return [from_doc(AuditEntry, h["_source"]) for h in hits]


class EsAlerts:
    def __init__(self, client: EsClient, audit: Callable[[AuditEntry], AuditEntry]) -> None:
        self.client = client
        self.audit = audit

    def upsert(self, alerts: Iterable[Alert]) -> int:
        batch = list(alerts)
        for alert in batch:
            if not alert.id:
                raise StoreError("alert without an id")
        self.client.index_all("alerts", "writing alerts", [(a.id, to_doc(a)) for a in batch])
        return len(batch)

    def get(self, alert_id: str) -> Alert | None:
        return read_doc(self.client, "alerts", Alert, alert_id)

    def search(self, query: AlertQuery) -> tuple[list[Alert], int]:
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
        resp = self.client.search(
            "alerts", "searching alerts", query={"bool": {"filter": filters}},
            sort=[{"created_at": "desc"}, {"id": "asc"}], size=max(0, int(query.size)),
            from_=max(0, int(query.offset)), track_total_hits=True,
        )
        hits = resp["hits"]
        return [from_doc(Alert, h["_source"]) for h in hits["hits"]], int(hits["total"]["value"])

    def update(self, alert_id: str, changes: dict[str, Any], actor: str, note: str | None = None) -> Alert:
        return change_doc(self.client, "alerts", alert_id, Alert,
                          lambda a: rules.alert_change(a, changes, actor, note),
                          f"alert {alert_id} does not exist", self.audit)


class EsEvents:
    def __init__(self, client: EsClient) -> None:
        self.client = client

    def upsert(self, events: Iterable[Event]) -> int:
        batch = list(events)
        self.client.index_all("events", "writing events", [(e.id, to_doc(e)) for e in batch])
        return len(batch)

    def get(self, event_id: str) -> Event | None:
        return read_doc(self.client, "events", Event, event_id)

    def recent(self, status: str | None = None, limit: int = 100) -> list[Event]:
        query = {"term": {"status": status}} if status is not None else {"match_all": {}}
        resp = self.client.search("events", "listing events", query=query,
                                  sort=[{"last_seen": "desc"}, {"id": "asc"}],
                                  size=max(0, min(int(limit), 10_000)), track_total_hits=False)
        return [from_doc(Event, h["_source"]) for h in resp["hits"]["hits"]]


class EsSources:
    def __init__(self, client: EsClient) -> None:
        self.client = client

    def record_run(self, source: str, at: datetime, ok: bool, error: str | None = None) -> None:
        if not source:
            raise StoreError("source run without a source name")

        def apply(stored: dict[str, Any] | None) -> dict[str, Any]:
            health = from_doc(SourceHealth, stored) if stored is not None else None
            health = rules.apply_source_run(health, source, at, ok, error)
            health.items_last_24h = 0  # computed from items when read
            return to_doc(health)

        self.client.rewrite("sources", source, apply, name="source")

    def health(self, now: datetime | None = None) -> list[SourceHealth]:
        now = to_utc(now, "now") if now is not None else datetime.now(UTC)
        resp = self.client.search(
            "items", "counting items per source",
            query={"range": {"fetched_at": {"gt": (now - timedelta(hours=24)).isoformat(),
                                            "lte": now.isoformat()}}},
            size=0, aggs={"by": {"terms": {"field": "source", "size": 10_000}}}, track_total_hits=False,
        )
        counts = {b["key"]: int(b["doc_count"]) for b in resp["aggregations"]["by"]["buckets"]}
        out = []
        for hit in self.client.scan("sources", "reading source health", {"match_all": {}}, [{"source": "asc"}]):
            health = from_doc(SourceHealth, hit["_source"])
            health.items_last_24h = counts.get(health.source, 0)
            out.append(health)
        return out


class EsUsers:
    def __init__(self, client: EsClient, audit: Callable[[AuditEntry], AuditEntry]) -> None:
        self.client = client
        self.audit = audit

    def add(self, user: User) -> None:
        rules.check_user(user)
        try:
            self.client.put("users", user.username, to_doc(user), create=True)
        except ConflictError:
            raise StoreError(f"user '{user.username}' already exists") from None

    def get(self, username: str) -> User | None:
        return read_doc(self.client, "users", User, username)

    def everyone(self) -> list[User]:
        hits = self.client.scan("users", "listing users", {"match_all": {}}, [{"username": "asc"}])
        return [from_doc(User, h["_source"]) for h in hits]

    def update(self, username: str, changes: dict[str, Any], actor: str) -> User:
        return change_doc(self.client, "users", username, User,
                          lambda u: rules.user_change(u, changes, actor),
                          f"user '{username}' does not exist", self.audit)
