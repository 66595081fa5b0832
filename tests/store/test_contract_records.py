"""The store contract beyond searching items: handling, labels and audit, duplicates and spread,
alerts, events, source health and users (SQLite and Elasticsearch, marked `es`).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from store import (
    Alert,
    AlertQuery,
    AuditEntry,
    Event,
    ItemQuery,
    NotFound,
    Store,
    StoreError,
    User,
)

from .support import T0, ids_of, make_item


# ---- handling, labels, audit ------------------------------------------------------
def test_handling_status_changes_are_audited(store: Store) -> None:
    item = make_item(1)
    store.upsert_items([item])
    updated = store.set_handling_status(item.id, "acknowledged", actor="duty1", note="已接收")
    assert updated.handling_status == "acknowledged"
    store.set_handling_status(item.id, "closed", actor="duty2")
    assert store.get_item(item.id).handling_status == "closed"
    log = store.audit_log("item", item.id)
    assert [(e.actor, e.before, e.after) for e in log] == [
        ("duty2", {"handling_status": "acknowledged"}, {"handling_status": "closed"}),
        ("duty1", {"handling_status": "new"}, {"handling_status": "acknowledged"}),
    ]
    assert log[1].note == "已接收" and log[0].action == "set_handling_status"
    assert log[0].at >= log[1].at and log[0].at.utcoffset() == timedelta(0)
    assert log[0].id and log[0].id != log[1].id


def test_bad_handling_status_changes_nothing(store: Store) -> None:
    item = make_item(1)
    store.upsert_items([item])
    with pytest.raises(StoreError, match="handling status"):
        store.set_handling_status(item.id, "lost", actor="duty1")
    with pytest.raises(NotFound):
        store.set_handling_status("missing", "closed", actor="duty1")
    assert store.get_item(item.id).handling_status == "new"
    assert store.audit_log() == []


def test_analyst_label_is_stored_audited_and_listed(store: Store) -> None:
    a, b = make_item(1, category="other"), make_item(2)
    store.upsert_items([a, b])
    label = {"relevant": True, "category": "online_harm", "risk": 2}
    before = datetime.now(UTC)
    got = store.set_analyst_label(a.id, label, actor="analyst1")
    assert got.analyst_label == label and got.labeled_by == "analyst1"
    assert got.labeled_at is not None and got.labeled_at >= before - timedelta(seconds=1)
    stored = store.get_item(a.id)
    assert stored.analyst_label == label and stored.category == "other"  # model label untouched
    labeled = store.labeled_items()
    assert [x.id for x in labeled] == [a.id]
    entry = store.audit_log("item", a.id)[0]
    assert entry.actor == "analyst1" and entry.action == "set_analyst_label"
    assert entry.before["analyst_label"] is None and entry.after["analyst_label"] == label
    with pytest.raises(StoreError):
        store.set_analyst_label(b.id, {}, actor="analyst1")


def test_upsert_keeps_handling_state_labels_and_event(store: Store) -> None:
    item = make_item(1, spread_count=0)
    store.upsert_items([item])
    store.set_handling_status(item.id, "handling", actor="duty1")
    store.set_analyst_label(item.id, {"risk": 3}, actor="analyst1")
    store.set_event([item.id], "evt-1")
    store.add_spread(item.id, 2)
    # a re-crawl brings fresh model labels and text but no handling/label/event
    recrawl = make_item(1, title="更新后的标题", risk=2, category="school_safety")
    store.upsert_items([recrawl])
    got = store.get_item(item.id)
    assert got.title == "更新后的标题" and got.risk == 2 and got.category == "school_safety"
    assert got.handling_status == "handling"
    assert got.analyst_label == {"risk": 3} and got.labeled_by == "analyst1"
    assert got.event_id == "evt-1"
    assert got.spread_count == 2
    assert ids_of(store, text="更新") == {item.id}  # search index follows the new text
    # an incoming item that sets them wins
    store.upsert_items([make_item(1, handling_status="closed", event_id="evt-2")])
    got = store.get_item(item.id)
    assert got.handling_status == "closed" and got.event_id == "evt-2"


def test_append_audit_and_filters(store: Store) -> None:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(5):
        store.append_audit(AuditEntry(target_type="alert" if n % 2 else "user", target_id=f"t{n % 2}",
                                      action="x", actor="admin", at=base + timedelta(minutes=n),
                                      before={"n": n}, after={"n": n + 1}))
    log = store.audit_log()
    assert [e.before["n"] for e in log] == [4, 3, 2, 1, 0]
    assert [e.before["n"] for e in store.audit_log(target_type="alert")] == [3, 1]
    assert [e.before["n"] for e in store.audit_log(target_type="user", target_id="t0", limit=2)] == [4, 2]
    with pytest.raises(StoreError):
        store.append_audit(AuditEntry(target_type="planet", target_id="x", action="x", actor="a", at=base))


# ---- duplicates, URLs, hashes, spread -----------------------------------------------
def test_duplicates_are_hidden_unless_asked(store: Store) -> None:
    first = make_item(1, title="拐卖儿童传言", content_hash="hh")
    copy = make_item(2, title="拐卖儿童传言", content_hash="hh", duplicate_of=first.id)
    store.upsert_items([first, copy])
    assert ids_of(store) == {first.id}
    assert ids_of(store, text="拐卖") == {first.id}
    assert ids_of(store, include_duplicates=True) == {first.id, copy.id}
    assert store.find_by_content_hash("hh").id == first.id
    assert store.find_by_content_hash("nope") is None


def test_known_urls(store: Store) -> None:
    items = [make_item(n) for n in range(3)]
    store.upsert_items(items)
    asked = [items[0].url, items[2].url, "https://elsewhere.example/x", items[0].url]
    assert store.known_urls(asked) == {items[0].url, items[2].url}
    assert store.known_urls([]) == set()
    many = [f"https://news.example.cn/a/{n}" for n in range(1500)]  # beyond one chunk
    assert store.known_urls(many) == {it.url for it in items}


def test_spread_count(store: Store) -> None:
    item = make_item(1)
    store.upsert_items([item])
    store.add_spread(item.id)
    store.add_spread(item.id, 2)
    assert store.get_item(item.id).spread_count == 3
    with pytest.raises(NotFound):
        store.add_spread("missing")


def test_concurrent_updates_lose_nothing(store: Store) -> None:
    item = make_item(1)
    store.upsert_items([item])
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                store.add_spread(item.id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert store.get_item(item.id).spread_count == 30


def test_set_event(store: Store) -> None:
    a, b, c = make_item(1), make_item(2), make_item(3)
    store.upsert_items([a, b, c])
    store.set_event([a.id, b.id], "evt-9")
    assert ids_of(store, event_id="evt-9") == {a.id, b.id}
    store.set_event([b.id], None)
    assert ids_of(store, event_id="evt-9") == {a.id}
    with pytest.raises(NotFound):
        store.set_event([c.id, "missing"], "evt-9")
    assert store.get_item(c.id).event_id is None  # nothing half-done


# ---- alerts -----------------------------------------------------------------------
def test_alerts_round_trip_search_and_update(store: Store) -> None:
    alerts = [
        Alert(id=f"al{n}", rule="risk3" if n % 2 else "spread", title=f"预警{n}", risk=n % 4,
              item_id=f"it{n}", category="domestic_violence",
              created_at=T0 + timedelta(hours=n), updated_at=T0 + timedelta(hours=n))
        for n in range(6)
    ]
    assert store.upsert_alerts(alerts) == 6
    assert store.get_alert("al3") == alerts[3]
    assert store.get_alert("nope") is None
    found, total = store.search_alerts(AlertQuery())
    assert total == 6 and [a.id for a in found] == ["al5", "al4", "al3", "al2", "al1", "al0"]
    found, total = store.search_alerts(AlertQuery(size=2, offset=2))
    assert total == 6 and [a.id for a in found] == ["al3", "al2"]
    assert [a.id for a in store.search_alerts(AlertQuery(rule="risk3"))[0]] == ["al5", "al3", "al1"]
    assert [a.id for a in store.search_alerts(AlertQuery(min_risk=2))[0]] == ["al3", "al2"]
    assert [a.id for a in store.search_alerts(AlertQuery(since=T0 + timedelta(hours=4)))[0]] == ["al5", "al4"]
    assert [a.id for a in store.search_alerts(AlertQuery(until=T0 + timedelta(hours=1)))[0]] == ["al0"]

    updated = store.update_alert("al2", {"status": "acknowledged", "assignee": "duty1"}, actor="duty1", note="我来处理")
    assert updated.status == "acknowledged" and updated.assignee == "duty1"
    assert updated.updated_at > alerts[2].updated_at
    assert store.get_alert("al2") == updated
    assert [a.id for a in store.search_alerts(AlertQuery(statuses=["acknowledged"]))[0]] == ["al2"]
    assert [a.id for a in store.search_alerts(AlertQuery(assignee="duty1"))[0]] == ["al2"]
    entry = store.audit_log("alert", "al2")[0]
    assert entry.before == {"status": "new", "assignee": None}
    assert entry.after == {"status": "acknowledged", "assignee": "duty1"}
    assert entry.actor == "duty1" and entry.note == "我来处理"

    with pytest.raises(StoreError, match="cannot change"):
        store.update_alert("al2", {"risk": 0}, actor="duty1")
    with pytest.raises(StoreError, match="status"):
        store.update_alert("al2", {"status": "gone"}, actor="duty1")
    with pytest.raises(NotFound):
        store.update_alert("missing", {"status": "closed"}, actor="duty1")
    assert store.get_alert("al2") == updated


# ---- events -----------------------------------------------------------------------
def test_events_round_trip(store: Store) -> None:
    events = [
        Event(id=f"ev{n}", title=f"事件{n}", first_seen=T0, last_seen=T0 + timedelta(days=n),
              item_count=n, max_risk=n % 4, category="school_safety", keywords=["校园", "欺凌"],
              status="closed" if n == 1 else "open")
        for n in range(4)
    ]
    assert store.upsert_events(events) == 4
    assert store.get_event("ev2") == events[2]
    assert store.get_event("nope") is None
    assert [e.id for e in store.list_events()] == ["ev3", "ev2", "ev1", "ev0"]
    assert [e.id for e in store.list_events(status="open", limit=2)] == ["ev3", "ev2"]
    assert [e.id for e in store.list_events(status="closed")] == ["ev1"]
    store.upsert_events([Event(id="ev0", title="事件0", first_seen=T0, last_seen=T0 + timedelta(days=9))])
    assert store.list_events()[0].id == "ev0"


# ---- sources ----------------------------------------------------------------------
def test_source_health(store: Store) -> None:
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    store.record_source_run("weibo", now - timedelta(hours=3), ok=True)
    store.record_source_run("weibo", now - timedelta(hours=2), ok=False, error="HTTP 503")
    store.record_source_run("news-a", now - timedelta(hours=1), ok=False, error="timeout")
    store.record_source_run("news-a", now - timedelta(minutes=30), ok=False, error="DNS")
    store.upsert_items([
        make_item(1, source="weibo", fetched_at=now - timedelta(hours=1)),
        make_item(2, source="weibo", fetched_at=now - timedelta(hours=23)),
        make_item(3, source="weibo", fetched_at=now - timedelta(hours=25)),  # too old
        make_item(4, source="other", fetched_at=now - timedelta(hours=1)),  # never run
    ])
    health = {h.source: h for h in store.source_health(now=now)}
    assert set(health) == {"weibo", "news-a"}
    w, n = health["weibo"], health["news-a"]
    assert w.last_run_at == now - timedelta(hours=2) and w.last_success_at == now - timedelta(hours=3)
    assert w.errors_total == 1 and w.last_error == "HTTP 503" and w.items_last_24h == 2
    assert n.last_success_at is None and n.errors_total == 2 and n.last_error == "DNS"
    assert n.items_last_24h == 0 and n.last_run_at.utcoffset() == timedelta(0)
    store.record_source_run("news-a", now, ok=True)
    n = {h.source: h for h in store.source_health(now=now)}["news-a"]
    assert n.last_success_at == now and n.errors_total == 2 and n.last_error is None


def _in_threads(work, count: int = 6) -> None:
    """Run work(k) in `count` threads at once; re-raise the first error any of them hit."""
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            work(k)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[0]


def test_concurrent_source_runs_lose_nothing(store: Store) -> None:
    # The source is new, so the writers also race to create its document.
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    _in_threads(lambda k: [store.record_source_run("busy", now + timedelta(minutes=k), ok=False,
                                                   error=f"e{k}") for _ in range(5)])
    (health,) = store.source_health(now=now)
    assert health.errors_total == 30 and health.last_run_at == now + timedelta(minutes=5)


def test_concurrent_alert_updates_each_audit_what_they_changed(store: Store) -> None:
    store.upsert_alerts([Alert(id="busy", rule="r", title="预警", risk=2)])
    _in_threads(lambda k: [store.update_alert("busy", {"assignee": f"u{k}-{j}"}, actor=f"duty{k}")
                           for j in range(4)])
    log = list(reversed(store.audit_log("alert", "busy")))
    assert len(log) == 24
    # Each write saw the one before it: no update was lost, no stale round was audited.
    assert log[0].before == {"assignee": None}
    for previous, entry in zip(log, log[1:], strict=False):
        assert entry.before == previous.after
    assert store.get_alert("busy").assignee == log[-1].after["assignee"]


# ---- users ------------------------------------------------------------------------
def test_users_round_trip_and_audited_updates(store: Store) -> None:
    admin = User(username="admin", password_hash="pbkdf2:x", role="admin", display_name="管理员",
                 created_at=T0)
    duty = User(username="zhang", password_hash="pbkdf2:y", role="duty", created_at=T0)
    store.add_user(admin)
    store.add_user(duty)
    with pytest.raises(StoreError, match="exists"):
        store.add_user(User(username="zhang", password_hash="z", role="analyst"))
    with pytest.raises(StoreError, match="role"):
        store.add_user(User(username="li", password_hash="z", role="boss"))
    assert store.get_user("zhang") == duty
    assert store.get_user("nobody") is None
    assert [u.username for u in store.list_users()] == ["admin", "zhang"]
    updated = store.update_user("zhang", {"role": "analyst", "password_hash": "pbkdf2:new"}, actor="admin")
    assert updated.role == "analyst" and store.get_user("zhang") == updated
    entry = store.audit_log("user", "zhang")[0]
    assert entry.actor == "admin" and entry.before["role"] == "duty" and entry.after["role"] == "analyst"
    assert "pbkdf2" not in str(entry.before) + str(entry.after)  # hashes never reach the audit log
    with pytest.raises(StoreError, match="role"):
        store.update_user("zhang", {"role": "boss"}, actor="admin")
    with pytest.raises(NotFound):
        store.update_user("nobody", {"active": False}, actor="admin")


def test_ping_and_setup_is_idempotent(store: Store) -> None:
    store.upsert_items([make_item(1)])
    store.setup()
    assert store.ping()
    assert store.search_items(ItemQuery()).total == 1
