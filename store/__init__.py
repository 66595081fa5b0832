"""Persistence for items, alerts, events, audit, sources and users.

The only package that talks to a database client. Pick a backend with `open_store`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import NotFound, Store, StoreError, StoreUnavailable
from .model import (
    AGG_FIELDS,
    ALERT_STATUSES,
    HANDLING_STATUSES,
    ROLES,
    Alert,
    AlertQuery,
    AuditEntry,
    Event,
    Item,
    ItemPage,
    ItemQuery,
    SourceHealth,
    User,
    item_id_for,
    model_change,
    utcnow,
)


@dataclass
class StoreConfig:
    """How to reach the store. Elasticsearch when `es_urls` is set, else SQLite."""

    sqlite_path: str = "var/yuqing.db"
    es_urls: list[str] = field(default_factory=list)
    es_api_key: str | None = None
    es_username: str | None = None
    es_password: str | None = None
    es_ca_cert: str | None = None
    es_verify_certs: bool = True
    index_prefix: str = "yuqing"
    request_timeout: float = 30.0
    max_retries: int = 3


def open_store(config: StoreConfig) -> Store:
    """Open (and set up) the configured backend."""
    if config.es_urls:
        from .es_store import ElasticsearchStore

        store: Store = ElasticsearchStore(config)
    else:
        from .sqlite_store import SQLiteStore

        store = SQLiteStore(config.sqlite_path)
    store.setup()
    return store


__all__ = [
    "AGG_FIELDS", "ALERT_STATUSES", "HANDLING_STATUSES", "ROLES", "Alert", "AlertQuery",
    "AuditEntry", "Event", "Item", "ItemPage", "ItemQuery", "NotFound", "SourceHealth",
    "Store", "StoreConfig", "StoreError", "StoreUnavailable", "User", "item_id_for",
    "model_change", "open_store", "utcnow",
]
