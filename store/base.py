"""The one store interface. Backends: SQLite (embedded default) and Elasticsearch.

Both backends pass the same contract suite (tests/store/test_contract*.py, test_backends.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import datetime
from typing import Any

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


class StoreError(Exception):
    """The store could not do what was asked; the message says why in plain words."""


class StoreUnavailable(StoreError):
    """The backing database cannot be reached (after retries)."""


class NotFound(StoreError):
    pass


class Store(ABC):
    # ---- lifecycle -------------------------------------------------------------
    @abstractmethod
    def setup(self) -> None:
        """Create tables / index templates / aliases if missing. Idempotent."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def ping(self) -> bool:
        """True when the backend answers."""

    # ---- items -----------------------------------------------------------------
    @abstractmethod
    def upsert_items(self, items: Iterable[Item]) -> int:
        """Insert or replace by id (idempotent). Returns how many were written.

        Handling state, analyst labels and event ids already stored are kept when the
        incoming item does not set them, so a re-crawl never erases a duty officer's work.
        """

    @abstractmethod
    def get_item(self, item_id: str) -> Item | None: ...

    @abstractmethod
    def search_items(self, query: ItemQuery) -> ItemPage: ...

    @abstractmethod
    def aggregate_items(self, query: ItemQuery, by: str) -> list[tuple[str, int]]:
        """Counts of matching items per `by` (one of model.AGG_FIELDS).

        `day` buckets are ISO dates (YYYY-MM-DD, Asia/Shanghai days) in ascending order;
        other buckets are sorted by count descending.
        """

    @abstractmethod
    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The subset of the given canonical URLs already stored."""

    @abstractmethod
    def find_by_content_hash(self, content_hash: str) -> Item | None: ...

    @abstractmethod
    def add_spread(self, item_id: str, count: int = 1) -> None:
        """A duplicate of this item was seen: raise its spread count."""

    @abstractmethod
    def set_handling_status(
        self, item_id: str, status: str, actor: str, note: str | None = None
    ) -> Item:
        """Change the handling state and append an audit entry (before/after)."""

    @abstractmethod
    def set_analyst_label(self, item_id: str, label: dict[str, Any], actor: str) -> Item:
        """Store an analyst's label (who, when) and append an audit entry."""

    @abstractmethod
    def set_event(self, item_ids: Iterable[str], event_id: str | None) -> None: ...

    @abstractmethod
    def labeled_items(self) -> list[Item]:
        """Every item that carries an analyst label (training data for retraining)."""

    # ---- audit -----------------------------------------------------------------
    @abstractmethod
    def append_audit(self, entry: AuditEntry) -> AuditEntry: ...

    @abstractmethod
    def audit_log(
        self, target_type: str | None = None, target_id: str | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        """Newest first."""

    # ---- alerts ----------------------------------------------------------------
    @abstractmethod
    def upsert_alerts(self, alerts: Iterable[Alert]) -> int: ...

    @abstractmethod
    def get_alert(self, alert_id: str) -> Alert | None: ...

    @abstractmethod
    def search_alerts(self, query: AlertQuery) -> tuple[list[Alert], int]:
        """(alerts newest first, total matching)."""

    @abstractmethod
    def update_alert(
        self, alert_id: str, changes: dict[str, Any], actor: str, note: str | None = None
    ) -> Alert:
        """Apply changes (status, assignee, notified) and append an audit entry."""

    # ---- events ----------------------------------------------------------------
    @abstractmethod
    def upsert_events(self, events: Iterable[Event]) -> int: ...

    @abstractmethod
    def get_event(self, event_id: str) -> Event | None: ...

    @abstractmethod
    def list_events(self, status: str | None = None, limit: int = 100) -> list[Event]:
        """Most recently active first."""

    # ---- sources ---------------------------------------------------------------
    @abstractmethod
    def record_source_run(
        self, source: str, at: datetime, ok: bool, error: str | None = None
    ) -> None: ...

    @abstractmethod
    def source_health(self, now: datetime | None = None) -> list[SourceHealth]:
        """One row per source ever run; items_last_24h counted from stored items."""

    # ---- users -----------------------------------------------------------------
    @abstractmethod
    def add_user(self, user: User) -> None:
        """Raises StoreError when the username exists."""

    @abstractmethod
    def get_user(self, username: str) -> User | None: ...

    @abstractmethod
    def list_users(self) -> list[User]: ...

    @abstractmethod
    def update_user(self, username: str, changes: dict[str, Any], actor: str) -> User: ...

    # ---- context manager -------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
