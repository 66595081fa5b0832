"""Alert rule classes, ElastAlert2 style: each YAML entry of config/rules.yaml becomes one.

Item rules look at one item at a time (threshold, rumor, keyword). Window rules look at
counts in the store over a time window (frequency, spike). Every alert gets a stable id
(hash of rule + item/event/group (+ window)) so a re-run never raises it twice.
Building rules from YAML (and its errors) is alerts.rules.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

import opencc

from store import Alert, Event, Item, ItemQuery, Store

from .labels import CATEGORIES, category_name, effective_labels
from .text import clean_line

_T2S = opencc.OpenCC("t2s")


def alert_id(rule: str, scope: str, key: str, window: str = "") -> str:
    """Stable id: the same rule on the same item/event/group (and window) is one alert."""
    raw = "\x00".join((rule, scope, key, window))
    return "al-" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:24]


def _describe(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}天"
    if minutes % 60 == 0:
        return f"{minutes // 60}小时"
    return f"{minutes}分钟"


def normalize_for_match(text: str) -> str:
    """Simplified, lower-case, no spaces: watch terms match across scripts and spacing."""
    return re.sub(r"\s+", "", _T2S.convert(text or "")).lower()


@dataclass
class Rule(ABC):
    name: str
    type: ClassVar[str]
    description: str = ""
    enabled: bool = True
    risk: int | str = "item"  # a fixed level 0..3, or "item": the item's/event's own risk
    risk_floor: int = 0  # the alert's risk is at least this
    dedupe: str = ""
    # filters shared by every rule type
    categories: list[str] = field(default_factory=list)
    relevant: bool | None = True
    min_risk: int = 0
    districts: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def alert_risk(self, observed: int) -> int:
        base = observed if self.risk == "item" else int(self.risk)
        return max(0, min(3, max(base, self.risk_floor)))


class ItemRule(Rule):
    """Looks at one item; dedupe per item, or per event (plus risk, so escalation re-alerts)."""

    dedupe_choices: ClassVar[tuple[str, ...]] = ("item", "event")

    def check(self, item: Item) -> Alert | None:
        labels = effective_labels(item)
        if not self._passes_filters(item, labels) or not self._matches(item, labels):
            return None
        risk = self.alert_risk(labels["risk"])
        if self.dedupe == "event" and item.event_id:
            aid = alert_id(self.name, "event", item.event_id, f"risk{risk}")
        else:
            aid = alert_id(self.name, "item", item.id)
        return Alert(
            id=aid, rule=self.name, title=self._title(item, labels), risk=risk,
            item_id=item.id, event_id=item.event_id, category=labels["category"],
        )

    def _passes_filters(self, item: Item, labels: dict[str, Any]) -> bool:
        if item.duplicate_of:  # a copy only raises the original's spread
            return False
        if self.relevant is not None and labels["relevant"] != self.relevant:
            return False
        if self.categories and labels["category"] not in self.categories:
            return False
        if labels["risk"] < self.min_risk:
            return False
        if self.districts and item.district not in self.districts:
            return False
        return not (self.sources and item.source not in self.sources)

    @abstractmethod
    def _matches(self, item: Item, labels: dict[str, Any]) -> bool: ...

    def _headline(self, item: Item) -> str:
        return clean_line(item.title or item.text, 60) or "(无标题)"

    def _title(self, item: Item, labels: dict[str, Any]) -> str:
        return f"{category_name(labels['category'])}：{self._headline(item)}"


@dataclass
class ThresholdRule(ItemRule):
    """An item with risk >= min_risk (the foundation rule), optional filters."""

    type: ClassVar[str] = "threshold"
    rumor: bool | None = None

    def _matches(self, item: Item, labels: dict[str, Any]) -> bool:
        return self.rumor is None or labels["rumor_suspected"] == self.rumor


@dataclass
class RumorRule(ItemRule):
    """An item flagged rumor_suspected with risk >= min_risk."""

    type: ClassVar[str] = "rumor"

    def _matches(self, item: Item, labels: dict[str, Any]) -> bool:
        return labels["rumor_suspected"]

    def _title(self, item: Item, labels: dict[str, Any]) -> str:
        return f"【疑似谣言】{category_name(labels['category'])}：{self._headline(item)}"


@dataclass
class KeywordRule(ItemRule):
    """Watch terms (local schools, districts, names) in the title or text of an item."""

    type: ClassVar[str] = "keyword"
    terms: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=lambda: ["title", "text"])

    def __post_init__(self) -> None:
        self._normalized = [(t, normalize_for_match(t)) for t in self.terms]

    def matched_terms(self, item: Item) -> list[str]:
        haystack = normalize_for_match(" ".join(getattr(item, f) or "" for f in self.fields))
        return [term for term, norm in self._normalized if norm and norm in haystack]

    def _matches(self, item: Item, labels: dict[str, Any]) -> bool:
        return bool(self.matched_terms(item))

    def _title(self, item: Item, labels: dict[str, Any]) -> str:
        terms = "、".join(self.matched_terms(item)[:3])
        return f"【关注词：{clean_line(terms, 40)}】{self._headline(item)}"


@dataclass
class WindowRule(Rule):
    """Counts in the store over a time window, per category or per event."""

    dedupe_choices: ClassVar[tuple[str, ...]] = ("window", "once")
    timeframe: timedelta = timedelta(hours=6)
    group_by: str = "category"  # category | event
    include_duplicates: bool = True  # reposts are volume

    def window_key(self, now: datetime) -> str:
        # Windows are aligned buckets so runs inside one bucket share the alert id.
        seconds = int(self.timeframe.total_seconds())
        bucket = int(now.timestamp()) // seconds
        return f"{seconds}s@{bucket}"

    def _query(self, since: datetime, until: datetime, **narrow: Any) -> ItemQuery:
        """The rule's filters over [since, until); `narrow` (one category / event) wins."""
        fields: dict[str, Any] = {
            "since": since, "until": until, "relevant": self.relevant,
            "categories": list(self.categories), "min_risk": self.min_risk or None,
            "districts": list(self.districts), "sources": list(self.sources),
            "include_duplicates": self.include_duplicates, "size": 1,
        }
        fields.update(narrow)
        return ItemQuery(**fields)

    def _make_alert(self, now: datetime, group: str, title: str, risk: int,
                    event: Event | None = None, category: str | None = None) -> Alert:
        window = "" if self.dedupe == "once" else self.window_key(now)
        return Alert(
            id=alert_id(self.name, self.group_by, group, window), rule=self.name,
            title=title, risk=self.alert_risk(risk),
            event_id=event.id if event else None,
            category=category if category is not None else (event.category if event else None),
        )

    def candidate_events(self, store: Store, since: datetime,
                         only: set[str] | None) -> list[Event]:
        if only is not None:
            events = [e for e in (store.get_event(i) for i in sorted(only)) if e is not None]
        else:
            events = store.list_events(status="open", limit=1000)
        return [
            e for e in events
            if e.last_seen >= since and (not self.categories or e.category in self.categories)
        ]

    def max_risk_in(self, store: Store, since: datetime, until: datetime,
                    category: str | None = None) -> int:
        """The highest risk among matching items of the window (of one category when set)."""
        query = self._query(since, until)
        if category is not None:
            query.categories = [category]
        buckets = store.aggregate_items(query, by="risk")
        return max((int(k) for k, n in buckets if n > 0 and str(k).isdigit()), default=0)

    @abstractmethod
    def evaluate(self, store: Store, now: datetime, categories: set[str] | None = None,
                 events: set[str] | None = None) -> list[Alert]:
        """Alerts for the window ending at `now`; limit to the given groups when set."""


@dataclass
class FrequencyRule(WindowRule):
    """At least num_events matching items of one category (or one event) within timeframe."""

    type: ClassVar[str] = "frequency"
    num_events: int = 5

    def evaluate(self, store: Store, now: datetime, categories: set[str] | None = None,
                 events: set[str] | None = None) -> list[Alert]:
        since = now - self.timeframe
        span = _describe(self.timeframe)
        alerts: list[Alert] = []
        if self.group_by == "category":
            counts = store.aggregate_items(self._query(since, now), by="category")
            for category, count in counts:
                if count < self.num_events or (categories is not None and category not in categories):
                    continue
                risk = self.max_risk_in(store, since, now, category) if self.risk == "item" else 0
                title = f"【集中出现】{category_name(category)}类信息{span}内达到{count}条"
                alerts.append(self._make_alert(now, str(category), title, risk, category=category))
        else:
            for event in self.candidate_events(store, since, events):
                count = store.search_items(self._query(since, now, event_id=event.id)).total
                if count >= self.num_events:
                    title = f"【集中出现】事件「{clean_line(event.title, 40)}」{span}内{count}条"
                    alerts.append(self._make_alert(now, event.id, title, event.max_risk, event=event))
        return alerts


@dataclass
class SpikeRule(WindowRule):
    """Item count (or spread) of an event/category grows by spike_height vs the previous window."""

    type: ClassVar[str] = "spike"
    spike_height: float = 3.0
    min_count: int = 3  # the current window needs at least this much (no alerts on 1 -> 3)
    min_ref: int = 0  # the previous window needs at least this much
    metric: str = "items"  # items | spread (items plus the copies counted on them)
    group_by: str = "event"

    def measure(self, store: Store, since: datetime, until: datetime, **extra: Any) -> int:
        if self.metric == "items":
            return store.search_items(self._query(since, until, **extra)).total
        total, cursor = 0, None
        for _ in range(50):  # bounded paging: at most 50 x 200 items per window
            query = self._query(since, until, **extra)
            query.size, query.cursor, query.include_duplicates = 200, cursor, False
            page = store.search_items(query)
            total += sum(1 + max(i.spread_count, 0) for i in page.items)
            cursor = page.next_cursor
            if not cursor or not page.items:
                break
        return total

    def is_spike(self, ref: int, cur: int) -> bool:
        return cur >= self.min_count and ref >= self.min_ref and cur >= self.spike_height * max(ref, 1)

    def evaluate(self, store: Store, now: datetime, categories: set[str] | None = None,
                 events: set[str] | None = None) -> list[Alert]:
        cur_since, ref_since = now - self.timeframe, now - 2 * self.timeframe
        span, what = _describe(self.timeframe), ("条数" if self.metric == "items" else "传播量")
        alerts: list[Alert] = []
        if self.group_by == "event":
            for event in self.candidate_events(store, cur_since, events):
                cur = self.measure(store, cur_since, now, event_id=event.id)
                ref = self.measure(store, ref_since, cur_since, event_id=event.id)
                if self.is_spike(ref, cur):
                    title = f"【传播激增】事件「{clean_line(event.title, 40)}」近{span}{what}{ref}→{cur}"
                    alerts.append(self._make_alert(now, event.id, title, event.max_risk, event=event))
        else:
            names = [c for c in CATEGORIES if c != "none"] if not self.categories else self.categories
            for category in names:
                if categories is not None and category not in categories:
                    continue
                cur = self.measure(store, cur_since, now, categories=[category])
                ref = self.measure(store, ref_since, cur_since, categories=[category])
                if self.is_spike(ref, cur):
                    risk = self.max_risk_in(store, cur_since, now, category)
                    title = f"【传播激增】{category_name(category)}类近{span}{what}{ref}→{cur}"
                    alerts.append(self._make_alert(now, category, title, risk, category=category))
        return alerts


RULE_TYPES: dict[str, type[Rule]] = {
    cls.type: cls for cls in (ThresholdRule, RumorRule, KeywordRule, FrequencyRule, SpikeRule)
}
