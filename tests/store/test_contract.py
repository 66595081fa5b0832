"""The store contract, items: every test runs unchanged on SQLite and on Elasticsearch (marked `es`).

Writing and reading items, full-text search, filters, sorting and paging, aggregations.
The other document kinds are in test_contract_records.py, backend-specific checks in
test_backends.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store import (
    ItemQuery,
    Store,
    StoreError,
    textindex,
)

from .support import CST, T0, all_ids, ids_of, make_item


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
