"""The store contract: every test runs unchanged on SQLite and on Elasticsearch (marked `es`)."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from store import (
    Alert,
    AlertQuery,
    AuditEntry,
    Event,
    Item,
    ItemQuery,
    NotFound,
    Store,
    StoreConfig,
    StoreError,
    StoreUnavailable,
    User,
    item_id_for,
    textindex,
)

T0 = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)
CST = timezone(timedelta(hours=8))


def make_item(n: int, **kw) -> Item:
    url = kw.pop("url", f"https://news.example.cn/a/{n}")
    data = dict(
        id=item_id_for(url), url=url, source=kw.pop("source", "news-a"), source_type="news",
        title=f"标题{n}", text=f"普通新闻内容第{n}条", published_at=T0 + timedelta(hours=n),
        fetched_at=T0 + timedelta(hours=n, minutes=5),
    )
    data.update(kw)
    return Item(**data)


def all_ids(store: Store, query: ItemQuery) -> list[str]:
    """Walk every page with the cursor (bounded), returning ids in page order."""
    ids: list[str] = []
    for _ in range(1000):
        page = store.search_items(query)
        ids.extend(i.id for i in page.items)
        if page.next_cursor is None:
            return ids
        query.cursor = page.next_cursor
    raise AssertionError("paging did not end")


def ids_of(store: Store, **kw) -> set[str]:
    page = store.search_items(ItemQuery(size=1000, **kw))
    assert page.total == len(page.items)
    return {i.id for i in page.items}


# ---- items: write, read -----------------------------------------------------------
def test_upsert_is_idempotent_and_get_round_trips(store: Store) -> None:
    items = [
        make_item(1, author="记者甲", district="鼓楼区", reposts=3, comments=4, likes=5,
                  relevant=True, category="domestic_violence", risk=2, rumor_suspected=False,
                  sentiment="negative", scores={"risk": [0.1, 0.2, 0.6, 0.1]}, model_version="m1",
                  explanation=[{"term": "家暴", "weight": 0.8}], content_hash="h1"),
        make_item(2),
        make_item(3, script="traditional"),
    ]
    assert store.upsert_items(items) == 3
    assert store.upsert_items(items) == 3
    assert store.search_items(ItemQuery(size=50)).total == 3
    got = store.get_item(items[0].id)
    assert got == items[0]
    assert store.get_item("no-such-id") is None
    assert store.upsert_items([]) == 0


def test_datetimes_come_back_aware_utc(store: Store) -> None:
    local = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=CST)
    item = make_item(1, published_at=local, fetched_at=local + timedelta(minutes=1))
    store.upsert_items([item])
    got = store.get_item(item.id)
    assert got is not None
    for value, expected in ((got.published_at, local), (got.fetched_at, local + timedelta(minutes=1))):
        assert value == expected
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
    assert got.published_at.hour == 23 and got.published_at.microsecond == 123456


def test_naive_datetime_is_refused_and_nothing_is_written(store: Store) -> None:
    good = make_item(1)
    bad = make_item(2, published_at=datetime(2024, 1, 1, 8, 0))
    with pytest.raises(StoreError, match="time zone"):
        store.upsert_items([good, bad])
    assert store.get_item(good.id) is None


def test_bad_item_values_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="handling_status"):
        store.upsert_items([make_item(1, handling_status="lost")])
    with pytest.raises(StoreError, match="risk"):
        store.upsert_items([make_item(1, risk=7)])
    assert store.search_items(ItemQuery()).total == 0


# ---- full-text search -------------------------------------------------------------
SEARCH_DOCS = {
    1: ("妇联回应家暴事件", "某区妇联表示将依法维护妇女权益。"),
    2: ("南京市长江大桥今日通车", "交通部门发布消息。"),
    3: ("學校霸凌事件引關注", "家長呼籲校方調查。"),  # Traditional script
    4: ("天气预报", "明天多云转晴。"),
    5: ("MeToo 运动讨论", "网友热议职场性骚扰。"),
}


def search_corpus(store: Store) -> dict[int, str]:
    items = [make_item(n, title=t, text=x) for n, (t, x) in SEARCH_DOCS.items()]
    store.upsert_items(items)
    return {n: it.id for n, it in zip(SEARCH_DOCS, items, strict=True)}


def test_search_matches_by_jieba_words(store: Store) -> None:
    ids = search_corpus(store)
    assert ids_of(store, text="家暴") == {ids[1]}
    assert ids_of(store, text="妇联 权益") == {ids[1]}
    assert ids_of(store, text="性骚扰") == {ids[5]}
    assert ids_of(store, text="地震") == set()


def test_search_matches_by_bigrams_where_words_differ(store: Store) -> None:
    ids = search_corpus(store)
    # jieba never produces 市长 from 南京市长江大桥, so only the bigram path can find it.
    norm = textindex.normalize(SEARCH_DOCS[2][0])
    assert "市长" not in textindex.words(norm)
    assert ids_of(store, text="市长") == {ids[2]}
    # a query jieba splits oddly still matches as a consecutive run
    assert ids_of(store, text="江大桥今") == {ids[2]}
    # bigrams are consecutive: the characters 桥 and 南 are both there but not next to each other
    assert ids_of(store, text="桥南") == set()


def test_search_crosses_traditional_and_simplified(store: Store) -> None:
    ids = search_corpus(store)
    assert ids_of(store, text="霸凌") == {ids[3]}  # Simplified query, Traditional text
    assert ids_of(store, text="学校霸凌") == {ids[3]}
    assert ids_of(store, text="婦聯") == {ids[1]}  # Traditional query, Simplified text
    assert ids_of(store, text="長江大橋") == {ids[2]}


def test_search_latin_is_case_insensitive_and_full_width_folded(store: Store) -> None:
    ids = search_corpus(store)
    assert ids_of(store, text="metoo") == {ids[5]}
    assert ids_of(store, text="ＭｅＴｏｏ") == {ids[5]}


def test_search_text_is_not_query_syntax(store: Store) -> None:
    search_corpus(store)
    for hostile in ('"', 'a" OR "b', "NEAR(家暴", "*", "家暴)) OR ((", "{words}: x"):
        store.search_items(ItemQuery(text=hostile))  # no exception, no injection


# ---- filters ----------------------------------------------------------------------
def filter_corpus(store: Store) -> dict[str, str]:
    items = {
        "a": make_item(1, source="weibo", category="domestic_violence", risk=3, relevant=True,
                       district="鼓楼区", handling_status="handling", event_id="e1"),
        "b": make_item(2, source="weibo", category="school_safety", risk=1, relevant=True,
                       district="玄武区"),
        "c": make_item(3, source="news-a", category="none", risk=0, relevant=False),
        "d": make_item(4, source="news-b", category="domestic_violence", risk=2, relevant=True,
                       district="鼓楼区", handling_status="closed", event_id="e1"),
        # no publication date: filtered and sorted by when it was fetched
        "e": make_item(5, source="news-b", published_at=None, fetched_at=T0 + timedelta(hours=30)),
    }
    store.upsert_items(items.values())
    return {k: v.id for k, v in items.items()}


def test_every_item_filter(store: Store) -> None:
    i = filter_corpus(store)
    assert ids_of(store, sources=["weibo"]) == {i["a"], i["b"]}
    assert ids_of(store, sources=["weibo", "news-b"]) == {i["a"], i["b"], i["d"], i["e"]}
    assert ids_of(store, categories=["domestic_violence"]) == {i["a"], i["d"]}
    assert ids_of(store, min_risk=2) == {i["a"], i["d"]}
    assert ids_of(store, min_risk=0) == {i["a"], i["b"], i["c"], i["d"]}
    assert ids_of(store, relevant=False) == {i["c"]}
    assert ids_of(store, relevant=True) == {i["a"], i["b"], i["d"]}
    assert ids_of(store, handling_statuses=["new"]) == {i["b"], i["c"], i["e"]}
    assert ids_of(store, handling_statuses=["handling", "closed"]) == {i["a"], i["d"]}
    assert ids_of(store, districts=["鼓楼区"]) == {i["a"], i["d"]}
    assert ids_of(store, event_id="e1") == {i["a"], i["d"]}
    # since/until on published_at: [T0+2h, T0+4h)
    assert ids_of(store, since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=4)) == {i["b"], i["c"]}
    # an undated item falls back to fetched_at (T0+30h)
    assert ids_of(store, since=T0 + timedelta(hours=24)) == {i["e"]}
    # filters combine with AND
    assert ids_of(store, sources=["weibo"], min_risk=2, districts=["鼓楼区"]) == {i["a"]}
    assert ids_of(store, sources=["nowhere"]) == set()


def test_filters_combine_with_text(store: Store) -> None:
    a = make_item(1, title="家暴求助", source="weibo", risk=3)
    b = make_item(2, title="家暴新闻", source="news-a", risk=1)
    store.upsert_items([a, b])
    assert ids_of(store, text="家暴") == {a.id, b.id}
    assert ids_of(store, text="家暴", sources=["weibo"]) == {a.id}
    assert ids_of(store, text="家暴", min_risk=2) == {a.id}


def test_bad_queries_get_clear_errors(store: Store) -> None:
    with pytest.raises(StoreError, match="sort"):
        store.search_items(ItemQuery(sort=[("title", "asc")]))
    with pytest.raises(StoreError, match="asc"):
        store.search_items(ItemQuery(sort=[("risk", "up")]))
    with pytest.raises(StoreError, match="page size"):
        store.search_items(ItemQuery(size=0))
    with pytest.raises(StoreError, match="aggregate"):
        store.aggregate_items(ItemQuery(), "title")
    with pytest.raises(StoreError, match="handling status"):
        store.search_items(ItemQuery(handling_statuses=["lost"]))
    with pytest.raises(StoreError, match="time zone"):
        store.search_items(ItemQuery(since=datetime(2024, 1, 1)))


# ---- sorting and paging -----------------------------------------------------------
def test_sorting(store: Store) -> None:
    i = filter_corpus(store)

    def order(sort):
        return [x.id for x in store.search_items(ItemQuery(sort=sort, size=50)).items]

    # default: newest first by publication date (fetch date when unknown)
    assert order([("published_at", "desc")]) == [i["e"], i["d"], i["c"], i["b"], i["a"]]
    assert order([("published_at", "asc")]) == [i["a"], i["b"], i["c"], i["d"], i["e"]]
    assert store.search_items(ItemQuery(size=50)).items[0].id == i["e"]
    assert order([("fetched_at", "asc")]) == [i["a"], i["b"], i["c"], i["d"], i["e"]]
    # missing values sort last in both directions
    assert order([("risk", "desc")]) == [i["a"], i["d"], i["b"], i["c"], i["e"]]
    assert order([("risk", "asc")]) == [i["c"], i["b"], i["d"], i["a"], i["e"]]
    assert order([("id", "asc")]) == sorted(i.values())
    assert order([("id", "desc")]) == sorted(i.values(), reverse=True)


def test_deep_paging_loses_and_repeats_nothing(store: Store) -> None:
    # many ties on risk/reposts (and missing values) force the id tie-breaker to work
    items = [
        make_item(n, risk=None if n % 7 == 0 else n % 4, reposts=None if n % 5 == 0 else n % 3,
                  published_at=None if n % 11 == 0 else T0 + timedelta(minutes=n % 9))
        for n in range(57)
    ]
    store.upsert_items(items)
    expected = {it.id for it in items}
    for sort in ([("risk", "desc")], [("reposts", "asc"), ("risk", "desc")],
                 [("published_at", "desc")], [("id", "asc")]):
        query = ItemQuery(sort=sort, size=10)
        first = store.search_items(ItemQuery(sort=sort, size=10))
        assert first.total == 57 and len(first.items) == 10 and first.next_cursor
        paged = all_ids(store, query)
        assert len(paged) == 57 and set(paged) == expected, sort
        # page order equals the order of one big page
        assert paged == [x.id for x in store.search_items(ItemQuery(sort=sort, size=100)).items]
    # an exact multiple of the page size ends without an empty extra page
    page = store.search_items(ItemQuery(size=57))
    assert len(page.items) == 57 and page.next_cursor is None


def test_paging_cursor_keeps_filters_and_total(store: Store) -> None:
    items = [make_item(n, source="weibo" if n % 2 else "news-a") for n in range(25)]
    store.upsert_items(items)
    query = ItemQuery(sources=["weibo"], size=5)
    totals = []
    ids: list[str] = []
    while True:
        page = store.search_items(query)
        totals.append(page.total)
        ids.extend(x.id for x in page.items)
        if not page.next_cursor:
            break
        query.cursor = page.next_cursor
    assert set(totals) == {12} and len(ids) == 12 == len(set(ids))


def test_damaged_or_foreign_cursor_is_refused(store: Store) -> None:
    store.upsert_items([make_item(n) for n in range(5)])
    page = store.search_items(ItemQuery(size=2, sort=[("risk", "desc")]))
    assert page.next_cursor
    with pytest.raises(StoreError, match="cursor"):
        store.search_items(ItemQuery(size=2, sort=[("fetched_at", "asc")], cursor=page.next_cursor))
    with pytest.raises(StoreError, match="cursor"):
        store.search_items(ItemQuery(size=2, cursor="not-a-cursor!"))


# ---- aggregations -----------------------------------------------------------------
def test_aggregations(store: Store) -> None:
    items = [
        # 2024-03-01 15:59 UTC is still March 1st in Shanghai, 16:00 UTC is March 2nd
        make_item(1, published_at=datetime(2024, 3, 1, 15, 59, tzinfo=UTC), category="domestic_violence", risk=3, sentiment="negative"),
        make_item(2, published_at=datetime(2024, 3, 1, 16, 0, tzinfo=UTC), category="domestic_violence", risk=1, sentiment="negative"),
        make_item(3, published_at=datetime(2024, 3, 2, 1, 0, tzinfo=UTC), category="school_safety", risk=1, district="鼓楼区"),
        make_item(4, published_at=datetime(2024, 2, 28, 20, 0, tzinfo=UTC), category="domestic_violence", risk=2, handling_status="closed"),
        make_item(5, published_at=datetime(2024, 3, 2, 2, 0, tzinfo=UTC), category="school_safety", duplicate_of="x", risk=1),
    ]
    store.upsert_items(items)
    assert store.aggregate_items(ItemQuery(), "day") == [("2024-02-29", 1), ("2024-03-01", 1), ("2024-03-02", 2)]
    assert store.aggregate_items(ItemQuery(), "category") == [("domestic_violence", 3), ("school_safety", 1)]
    assert store.aggregate_items(ItemQuery(), "risk") == [("1", 2), ("2", 1), ("3", 1)]
    assert store.aggregate_items(ItemQuery(), "source") == [("news-a", 4)]
    assert store.aggregate_items(ItemQuery(), "district") == [("鼓楼区", 1)]
    assert store.aggregate_items(ItemQuery(), "sentiment") == [("negative", 2)]
    assert store.aggregate_items(ItemQuery(), "handling_status") == [("new", 3), ("closed", 1)]
    # aggregations honour the query, duplicates included on request
    assert store.aggregate_items(ItemQuery(min_risk=2), "category") == [("domestic_violence", 2)]
    assert store.aggregate_items(ItemQuery(include_duplicates=True), "category") == [("domestic_violence", 3), ("school_safety", 2)]


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


# ---- backend-specific: unavailability -------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_es_store_down_raises_store_unavailable_quickly() -> None:
    from store.es_store import ElasticsearchStore

    url = f"http://127.0.0.1:{_closed_port()}"
    es = ElasticsearchStore(StoreConfig(es_urls=[url], index_prefix="down", request_timeout=2, max_retries=2))
    assert es.ping() is False
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="unavailable"):
        es.search_items(ItemQuery())
    with pytest.raises(StoreUnavailable):
        es.upsert_items([make_item(1)])
    assert time.monotonic() - started < 15


def test_sqlite_unusable_path_raises_store_unavailable(tmp_path) -> None:
    from store.sqlite_store import SQLiteStore

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailable):
        SQLiteStore(blocker / "sub" / "store.db").setup()


def test_es_config_is_validated() -> None:
    from store.es_store import ElasticsearchStore

    with pytest.raises(StoreError, match="index_prefix"):
        ElasticsearchStore(StoreConfig(es_urls=["http://127.0.0.1:9200"], index_prefix="Bad Prefix"))


def test_sqlite_runs_in_wal_mode_with_a_connection_per_thread(tmp_path) -> None:
    from store.sqlite_store import SQLiteStore

    s = SQLiteStore(tmp_path / "wal.db")
    s.setup()
    assert s._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conns = []
    t = threading.Thread(target=lambda: conns.append(s._conn()))
    t.start()
    t.join()
    assert conns[0] is not s._conn()
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.get_item("x")


@pytest.mark.es
def test_es_reindex_keeps_documents_and_moves_the_alias(es_store) -> None:
    items = [make_item(n, title="家暴求助", handling_status="handling" if n == 0 else "new") for n in range(30)]
    es_store.upsert_items(items)
    es_store.upsert_alerts([Alert(id="al1", rule="r", title="预警", risk=2)])
    alias = f"{es_store.prefix}-items"
    old = set(es_store.es.indices.get_alias(name=alias).body)
    new = es_store.reindex("items")
    assert set(es_store.es.indices.get_alias(name=alias).body) == {new} and new not in old
    assert not es_store.es.indices.exists(index=",".join(old))
    assert es_store.search_items(ItemQuery(text="家暴", size=100)).total == 30
    assert es_store.get_item(items[0].id) == items[0]
    # writes go to the new index
    es_store.set_handling_status(items[1].id, "closed", actor="duty1")
    assert es_store.get_item(items[1].id).handling_status == "closed"
    assert es_store.get_alert("al1") is not None  # other kinds untouched
    with pytest.raises(StoreError, match="kind"):
        es_store.reindex("planets")


def test_open_store_picks_sqlite_without_es_urls(tmp_path) -> None:
    from store import open_store
    from store.sqlite_store import SQLiteStore

    with open_store(StoreConfig(sqlite_path=str(tmp_path / "sub" / "y.db"))) as s:
        assert isinstance(s, SQLiteStore)
        assert s.search_items(ItemQuery()).total == 0  # set up, ready to use
