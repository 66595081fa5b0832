"""Documents and query types shared by every store backend.

Callers build these objects; they never write Elasticsearch JSON or SQL themselves.
All datetimes are timezone-aware and stored in UTC.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal

HANDLING_STATUSES = ("new", "acknowledged", "handling", "closed")
ALERT_STATUSES = ("new", "acknowledged", "handling", "closed")
ROLES = ("admin", "duty", "analyst")  # 管理员 / 值班员 / 分析员
AGG_FIELDS = ("day", "category", "risk", "source", "district", "sentiment", "handling_status")
SORT_FIELDS = ("published_at", "fetched_at", "risk", "reposts", "comments", "likes", "id")


def utcnow() -> datetime:
    return datetime.now(UTC)


def item_id_for(url: str | None = None, *, source: str | None = None, native_id: str | None = None) -> str:
    """Stable id: hash of the canonical URL, or of source + the source's own id."""
    if native_id is not None and source is not None:
        key = f"{source}\x00{native_id}"
    elif url:
        key = url
    else:
        raise ValueError("an item id needs a canonical URL or a source and native id")
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


@dataclass
class Item:
    id: str
    url: str
    source: str
    source_type: str
    title: str = ""
    text: str = ""
    author: str | None = None
    published_at: datetime | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    script: Literal["simplified", "traditional"] = "simplified"
    district: str | None = None
    # engagement, when the source gives it
    reposts: int | None = None
    comments: int | None = None
    likes: int | None = None
    # duplicate handling: exact/near copies point at the first copy and raise its spread
    content_hash: str | None = None
    duplicate_of: str | None = None
    spread_count: int = 0
    # the model's labels
    relevant: bool | None = None
    category: str | None = None
    risk: int | None = None
    rumor_suspected: bool | None = None
    sentiment: str | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    model_version: str | None = None
    explanation: list[dict[str, Any]] = field(default_factory=list)
    # grouping and handling
    event_id: str | None = None
    handling_status: str = "new"
    # the analyst's label (same keys as the model's labels) and who set it, when
    analyst_label: dict[str, Any] | None = None
    labeled_by: str | None = None
    labeled_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class ItemQuery:
    """A search over items. Every filter is optional; unset means 'any'."""

    text: str | None = None  # Chinese full-text, matched by words or by character bigrams
    since: datetime | None = None  # published_at >= since (fetched_at when unknown)
    until: datetime | None = None  # published_at < until
    sources: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    min_risk: int | None = None
    relevant: bool | None = None
    handling_statuses: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    event_id: str | None = None
    include_duplicates: bool = False  # duplicates are counted as spread, hidden by default
    sort: list[tuple[str, Literal["asc", "desc"]]] = field(
        default_factory=lambda: [("published_at", "desc")]
    )
    size: int = 20
    cursor: str | None = None  # opaque; from ItemPage.next_cursor (search_after on ES)


@dataclass
class ItemPage:
    items: list[Item]
    total: int
    next_cursor: str | None


@dataclass
class AuditEntry:
    target_type: Literal["item", "alert", "event", "user", "source", "model"]
    target_id: str
    action: str
    actor: str
    at: datetime
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    note: str | None = None
    id: str | None = None


def model_change(
    action: str, actor: str, version: str | None, before: str | None, note: str | None = None
) -> AuditEntry:
    """The audit entry of a change to the classifier model (retrain, activate, rollback,
    a finished or failed training). `version` is the version the change produced (None
    when it produced none, e.g. a failure); `before` the version active before it."""
    return AuditEntry(
        target_type="model", target_id=version or "-", action=action, actor=actor, at=utcnow(),
        before={"version": before}, after={"version": version or before}, note=note,
    )


@dataclass
class Alert:
    id: str
    rule: str
    title: str
    risk: int
    item_id: str | None = None
    event_id: str | None = None
    category: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    status: str = "new"
    assignee: str | None = None
    notified: bool = False


@dataclass
class AlertQuery:
    statuses: list[str] = field(default_factory=list)
    min_risk: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    rule: str | None = None
    assignee: str | None = None
    size: int = 50
    offset: int = 0


@dataclass
class Event:
    id: str
    title: str
    first_seen: datetime
    last_seen: datetime
    item_count: int = 0
    max_risk: int = 0
    category: str | None = None
    keywords: list[str] = field(default_factory=list)
    status: str = "open"  # open | closed


@dataclass
class SourceHealth:
    source: str
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    errors_total: int = 0
    items_last_24h: int = 0


@dataclass
class User:
    username: str
    password_hash: str
    role: str
    active: bool = True
    created_at: datetime = field(default_factory=utcnow)
    display_name: str | None = None
