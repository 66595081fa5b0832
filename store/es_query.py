"""ItemQuery -> Elasticsearch query, sort, paging cursor and aggregation bodies (no I/O)."""

from __future__ import annotations

from typing import Any

from . import cursor as cursors
from . import rules, textindex
from .codec import to_utc
from .model import ItemQuery

_SORT_FIELDS = {
    "published_at": "date",  # published_at, fetched_at when unknown
    "fetched_at": "fetched_at", "risk": "risk", "reposts": "reposts",
    "comments": "comments", "likes": "likes", "id": "id",
}
_AGG_FIELDS = {
    "category": "category", "risk": "risk", "source": "source", "district": "district",
    "sentiment": "sentiment", "handling_status": "handling_status",
}


def item_query(query: ItemQuery) -> dict[str, Any]:
    """The bool query that selects the items an ItemQuery asks for (validated first)."""
    rules.check_item_query(query)
    filters: list[dict[str, Any]] = []
    date_range: dict[str, str] = {}
    if query.since is not None:
        date_range["gte"] = to_utc(query.since).isoformat()
    if query.until is not None:
        date_range["lt"] = to_utc(query.until).isoformat()
    if date_range:
        filters.append({"range": {"date": date_range}})
    for field, values in (("source", query.sources), ("category", query.categories),
                          ("handling_status", query.handling_statuses),
                          ("district", query.districts)):
        if values:
            filters.append({"terms": {field: list(values)}})
    if query.min_risk is not None:
        filters.append({"range": {"risk": {"gte": int(query.min_risk)}}})
    if query.relevant is not None:
        filters.append({"term": {"relevant": bool(query.relevant)}})
    if query.event_id is not None:
        filters.append({"term": {"event_id": query.event_id}})
    must_not = [] if query.include_duplicates else [{"exists": {"field": "duplicate_of"}}]
    bool_query: dict[str, Any] = {"filter": filters, "must_not": must_not}
    if query.text:
        words, grams = textindex.query_terms(query.text)
        should = []
        if words:
            should.append({"match": {"search_words": {"query": " ".join(words), "operator": "and"}}})
        if grams:
            # Elasticsearch makes the bigrams from the normalized query (search analyzer of
            # the sub-field); the Python n-grams only say whether there are any, so both
            # backends agree on which queries have a bigram part at all.
            should.append({"match": {"search_words.cjk": {"query": textindex.normalize(query.text),
                                                         "operator": "and"}}})
        if should:
            bool_query["should"] = should
            bool_query["minimum_should_match"] = 1
    return {"bool": bool_query}


def search_body(query: ItemQuery) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(search body asking for one hit more than a page, the checked sort the cursor binds to)."""
    sort = rules.check_sort(list(query.sort))
    # id breaks ties so search_after never skips or repeats an item.
    keys = sort if sort[-1][0] == "id" else [*sort, ("id", "asc")]
    body: dict[str, Any] = {
        "query": item_query(query),
        "sort": [{_SORT_FIELDS[n]: {"order": d, "missing": "_last"}} for n, d in keys],
        "size": query.size + 1,
        "track_total_hits": True,
    }
    if query.cursor:
        body["search_after"] = cursors.decode(query.cursor, sort, len(keys))
    return body, sort


def aggregation(by: str) -> dict[str, Any]:
    """The aggregation that counts items per `by` (one of model.AGG_FIELDS)."""
    rules.check_agg_field(by)
    if by == "day":
        return {"date_histogram": {"field": "date", "calendar_interval": "day",
                                   "time_zone": "Asia/Shanghai", "format": "yyyy-MM-dd",
                                   "min_doc_count": 1}}
    return {"terms": {"field": _AGG_FIELDS[by], "size": 10_000,
                      "order": [{"_count": "desc"}, {"_key": "asc"}]}}


def buckets(by: str, found: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(key, count) pairs of an aggregation made by aggregation(by)."""
    if by == "day":
        return [(b["key_as_string"], int(b["doc_count"])) for b in found]
    return [(str(b["key"]), int(b["doc_count"])) for b in found]
