"""Items and queries shared by the store contract suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from store import (
    Item,
    ItemQuery,
    Store,
    item_id_for,
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
