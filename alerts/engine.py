"""The alert engine: group items into events, evaluate rules, store new alerts, notify.

`process(items)` runs after items are stored (the crawler pipeline's on_stored);
`run_window()` runs from the scheduler for the window rules (frequency, spike), catches
up on items stored in the window and retries notifications that failed earlier.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from store import Alert, AlertQuery, Event, Item, ItemQuery, Store, utcnow

from .events import EventGrouper
from .labels import effective_labels
from .notify import Notifier
from .rules import ItemRule, Rule, WindowRule

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"


def _share_rule_names(notifier: object, names: dict[str, str]) -> None:
    """Give channels that show rules (email) the rules' Chinese descriptions: duty
    officers read "风险等级≥预警的相关信息", not "high_risk_item"."""
    for channel in getattr(notifier, "channels", ()):
        _share_rule_names(channel, names)
    known = getattr(notifier, "rule_names", None)
    if isinstance(known, dict):
        for name, label in names.items():
            known.setdefault(name, label)


class AlertEngine:
    def __init__(
        self,
        store: Store,
        rules: Iterable[Rule],
        notifier: Notifier | None = None,
        clock: Callable[[], datetime] | None = None,
        grouper: EventGrouper | None = None,
    ):
        self.store, self.notifier = store, notifier
        self.clock = clock or utcnow
        rules = list(rules)
        if notifier is not None:
            _share_rule_names(notifier, {r.name: r.description or r.name for r in rules})
        active = [r for r in rules if r.enabled]
        self.item_rules = [r for r in active if isinstance(r, ItemRule)]
        self.window_rules = [r for r in active if isinstance(r, WindowRule)]
        self.grouper = grouper or EventGrouper(store, clock=self.clock)
        self._last_window_until: datetime | None = None

    # -- entry points ----------------------------------------------------------------
    def process(self, items: list[Item]) -> list[Alert]:
        """New alerts raised by freshly stored items (each alert raised once, ever)."""
        if not items:
            return []
        self._group(items)
        now = self.clock()
        candidates = self._item_alerts(items)
        relevant = [i for i in items if effective_labels(i)["relevant"]]
        if relevant:
            # Window rules only for the groups these items touched: cheap on every batch.
            categories = {c for c in (effective_labels(i)["category"] for i in relevant) if c}
            events = {i.event_id for i in relevant if i.event_id}
            candidates += self._window_alerts(now, categories, events)
        return self._commit(candidates, {i.id: i for i in items})

    def run_window(self, since: datetime | None = None, until: datetime | None = None) -> list[Alert]:
        """Window rules at `until` over all groups, plus item rules for items of [since, until).

        Without arguments (the scheduler's call) the window runs from the previous run
        (or the longest rule timeframe) to now.
        """
        until = until or self.clock()
        if since is None:
            longest = max((r.timeframe for r in self.window_rules), default=timedelta(hours=1))
            since = self._last_window_until or (until - longest)
        items = self._items_between(since, until)
        self._group([i for i in items if i.event_id is None])
        candidates = self._item_alerts(items) + self._window_alerts(until, None, None)
        new = self._commit(candidates, {i.id: i for i in items})
        self._last_window_until = until
        self.notify_pending()
        return new

    def notify_pending(self, limit: int = 200) -> int:
        """Send alerts that were stored but never delivered (e.g. the mail server was down)."""
        if self.notifier is None:
            return 0
        alerts, _ = self.store.search_alerts(AlertQuery(statuses=["new"], size=limit))
        pending = [a for a in alerts if not a.notified and self.notifier.wants(a)]
        if pending:
            self._notify(pending, {})
        return len(pending)

    # -- internals -------------------------------------------------------------------
    def _group(self, items: list[Item]) -> None:
        try:
            self.grouper.group(items)
        except Exception:  # rules still run; per-event dedupe falls back to per-item
            log.exception("event grouping failed for %d items", len(items))

    def _item_alerts(self, items: list[Item]) -> list[Alert]:
        out: list[Alert] = []
        for rule in self.item_rules:
            for item in items:
                try:
                    alert = rule.check(item)
                except Exception:  # one bad rule or item never blocks the others
                    log.exception("rule %s failed on item %s", rule.name, item.id)
                    continue
                if alert is not None:
                    out.append(alert)
        return out

    def _window_alerts(self, now: datetime, categories: set[str] | None,
                       events: set[str] | None) -> list[Alert]:
        out: list[Alert] = []
        for rule in self.window_rules:
            if rule.group_by == "event" and events is not None and not events:
                continue
            try:
                out += rule.evaluate(self.store, now, categories=categories, events=events)
            except Exception:
                log.exception("window rule %s failed", rule.name)
        return out

    def _items_between(self, since: datetime, until: datetime, max_pages: int = 50) -> list[Item]:
        items: list[Item] = []
        cursor = None
        for _ in range(max_pages):  # bounded: at most 50 x 500 items per window run
            page = self.store.search_items(ItemQuery(
                since=since, until=until, size=500, cursor=cursor,
                sort=[("published_at", "asc"), ("id", "asc")],
            ))
            items += page.items
            cursor = page.next_cursor
            if not cursor or not page.items:
                break
        return items

    def _commit(self, candidates: list[Alert], items: dict[str, Item]) -> list[Alert]:
        new: list[Alert] = []
        seen: set[str] = set()
        now = self.clock()
        for alert in candidates:
            if alert.id in seen:
                continue
            seen.add(alert.id)
            if self.store.get_alert(alert.id) is not None:
                continue
            alert.created_at = alert.updated_at = now
            new.append(alert)
        if not new:
            return []
        self.store.upsert_alerts(new)
        log.info("新预警 %d 条", len(new))
        if self.notifier is not None:
            self._notify([a for a in new if self.notifier.wants(a)], items)
        return new

    def _notify(self, alerts: list[Alert], items: dict[str, Item]) -> None:
        if not alerts or self.notifier is None:
            return
        for alert in alerts:
            if alert.item_id and alert.item_id not in items:
                found = self.store.get_item(alert.item_id)
                if found:
                    items[alert.item_id] = found
        events: dict[str, Event] = {}
        for alert in alerts:
            if alert.event_id and alert.event_id not in events:
                found_event = self.store.get_event(alert.event_id)
                if found_event:
                    events[alert.event_id] = found_event
        try:
            delivered = self.notifier.notify(alerts, items, events)
        except Exception as exc:  # stored alerts stay notified=False; notify_pending retries
            log.error("预警通知发送失败（稍后重试）：%s", exc)
            return
        for alert in alerts:
            if alert.id in delivered:
                try:
                    self.store.update_alert(alert.id, {"notified": True}, actor=SYSTEM_ACTOR,
                                            note="已通知")
                    alert.notified = True
                except Exception:
                    log.exception("could not mark alert %s notified", alert.id)
