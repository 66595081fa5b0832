"""The Elasticsearch connection of the store: client setup, retries and document plumbing.

Every call of the other es_* modules goes through `EsClient.call`, which retries connection
trouble and 429/5xx with backoff (the client's own retries are off) and turns refusals into
StoreError with the human part of Elasticsearch's answer.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from elasticsearch import (
    ApiError,
    ConflictError,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)

from . import StoreConfig
from . import es_mappings as maps
from .base import StoreError, StoreUnavailable

T = TypeVar("T")
_RETRY_STATUSES = (429, 502, 503, 504)
CONFLICT_ROUNDS = 50
_PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,80}$")


class EsClient:
    """One Elasticsearch client bound to an index prefix, with our retry policy."""

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
            # Retries (with backoff) are ours, see call().
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

    def urls(self) -> str:
        return ", ".join(self.config.es_urls)

    def alias(self, kind: str) -> str:
        return maps.alias_name(self.prefix, kind)

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
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
                    raise StoreError(f"Elasticsearch refused {what}: {reason(exc)}") from exc
                last = exc
            except TransportError as exc:
                last = exc
            if attempt + 1 < attempts:
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        raise StoreUnavailable(
            f"Elasticsearch at {self.urls()} is unavailable ({what} failed "
            f"{attempts} times): {last}"
        ) from last

    def next_seq(self) -> int:
        """A number that grows with every call in this process (orders audit entries of one instant)."""
        with self._seq_lock:
            self._last_seq = max(self._last_seq + 1, time.time_ns())
            return self._last_seq

    def search(self, kind: str, what: str, **body: Any) -> dict[str, Any]:
        return self.call(what, self.es.search, index=self.alias(kind), **body).body

    def get(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        try:
            return self.call(f"reading {kind} {doc_id}", self.es.get, index=self.alias(kind), id=doc_id).body
        except NotFoundError:
            return None

    def put(self, kind: str, doc_id: str, doc: dict[str, Any], *, create: bool = False,
            seq: tuple[int, int] | None = None) -> None:
        kwargs: dict[str, Any] = {"index": self.alias(kind), "id": doc_id, "document": doc, "refresh": True}
        if create:
            kwargs["op_type"] = "create"
        if seq is not None:
            kwargs["if_seq_no"], kwargs["if_primary_term"] = seq
        self.call(f"writing {kind} {doc_id}", self.es.index, **kwargs)

    def rewrite(self, kind: str, doc_id: str, change: Callable[[dict[str, Any] | None], dict[str, Any]],
                name: str | None = None) -> None:
        """Read, change and write back one document, guarded by its sequence number.

        `change` gets the stored source (None when missing: the document is then created)
        and may run again when another writer changed the document meanwhile.
        """
        for round_ in range(CONFLICT_ROUNDS):
            hit = self.get(kind, doc_id)
            doc = change(hit["_source"] if hit else None)
            try:
                if hit is None:
                    self.put(kind, doc_id, doc, create=True)
                else:
                    self.put(kind, doc_id, doc, seq=(hit["_seq_no"], hit["_primary_term"]))
                return
            except ConflictError:
                backoff(round_)
        raise StoreError(f"{name or kind} {doc_id} kept changing concurrently; try again")

    def bulk(self, what: str, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bulk write with refresh; returns the per-document errors (409 conflicts among them)."""
        if not actions:
            return []
        _ok, errors = self.call(
            what, helpers.bulk, self.es, actions, raise_on_error=False, refresh=True,
            max_retries=self.config.max_retries, initial_backoff=0.5, max_backoff=5,
        )
        return list(errors)  # type: ignore[arg-type]

    def bulk_strict(self, what: str, actions: list[dict[str, Any]]) -> None:
        """Bulk write that fails with StoreError on the first refused document."""
        errors = self.bulk(what, actions)
        if errors:
            info = next(iter(errors[0].values()))
            raise StoreError(f"Elasticsearch refused {what} for {info.get('_id')}: {reason(info.get('error'))}")

    def index_all(self, kind: str, what: str, docs: list[tuple[str, dict[str, Any]]]) -> None:
        """Write (id, source) pairs into one kind, replacing documents with the same id."""
        self.bulk_strict(what, [{"_op_type": "index", "_index": self.alias(kind), "_id": doc_id,
                                 "_source": source} for doc_id, source in docs])

    def scan(self, kind: str, what: str, query: dict[str, Any], sort: list[Any],
             source: Any = True, page: int = 500) -> Iterator[dict[str, Any]]:
        """Every matching hit, paged with search_after (bounded by the index size)."""
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"query": query, "sort": sort, "size": page, "_source": source,
                                    "track_total_hits": False}
            if after is not None:
                body["search_after"] = after
            hits = self.search(kind, what, **body)["hits"]["hits"]
            yield from hits
            if len(hits) < page:
                return
            after = hits[-1]["sort"]

    def ping(self) -> bool:
        # Not HEAD /: that endpoint lives in the rest-root module, absent from minimal builds.
        try:
            self.es.options(request_timeout=min(5.0, self.config.request_timeout)).cluster.health()
            return True
        except (ApiError, TransportError):
            return False

    def close(self) -> None:
        self.es.close()


def backoff(attempt: int) -> None:
    """Random pause after a write conflict so competing writers stop colliding."""
    time.sleep(random.uniform(0, min(0.02 * (attempt + 1), 0.5)))


def reason(error: Any) -> str:
    """The human part of an Elasticsearch error (ApiError or a bulk item's error dict)."""
    if isinstance(error, ApiError):
        body = error.body if isinstance(error.body, dict) else {}
        error = body.get("error", error.message)
    if isinstance(error, dict):
        cause = error.get("caused_by") or {}
        reason_ = error.get("reason") or error.get("type") or str(error)
        return f"{reason_} ({cause.get('reason')})" if cause.get("reason") else str(reason_)
    return str(error)
