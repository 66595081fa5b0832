"""Index templates for the Elasticsearch backend, one per document kind.

Each kind is written and read through an alias `<prefix>-<kind>` that points at a concrete
index `<prefix>-<kind>-NNNNNN` created from the template, so a new mapping can be rolled out
by creating the next index, copying documents and moving the alias (no downtime).

Chinese text is searched through `search_words` and its sub-field `search_words.cjk`.
Elasticsearch has no jieba and no Traditional->Simplified conversion of its own, so Python
(store.textindex) normalizes the title and body and fills `search_words` with two values:
the jieba search-mode words (space-separated, for the whitespace analyzer) and the
normalized text itself. The sub-field analyzes both with standard tokenizer + cjk_width +
lowercase + cjk_bigram; only the normalized text matters there (the words are substrings
of it, so they add no new bigrams), and it is what lets bigrams cross jieba's word
boundaries ("市长" in "南京市长江大桥"). The whitespace analyzer also sees the text's
space-separated chunks; a query word can only equal such a chunk when the text contains
it, so they never produce a false match.

cjk_bigram and cjk_width come from the analysis-common module of a full distribution, or
from scripts/es-cjk-plugin on the integ-test build (scripts/es.sh installs it).
"""

from __future__ import annotations

from typing import Any

KINDS = ("items", "alerts", "events", "audit", "sources", "users")

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_OPAQUE = {"type": "object", "enabled": False}  # kept in _source, never searched
_STORED_TEXT = {"type": "text", "index": False}

# Analyzers of the items index. Indexing emits every CJK character and every bigram; the query
# side emits only bigrams (a lone character when the run is one character long), so a query of
# two or more characters must match consecutively, as on SQLite (store.textindex.grams).
CJK_INDEX_ANALYZER = "yuqing_cjk_index"
CJK_SEARCH_ANALYZER = "yuqing_cjk_search"
_ITEMS_ANALYSIS: dict[str, Any] = {
    "filter": {
        "yuqing_cjk_bigram_unigrams": {"type": "cjk_bigram", "output_unigrams": True},
    },
    "analyzer": {
        CJK_INDEX_ANALYZER: {
            "type": "custom", "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "yuqing_cjk_bigram_unigrams"],
        },
        CJK_SEARCH_ANALYZER: {
            "type": "custom", "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cjk_bigram"],
        },
    },
}
_ANALYSIS: dict[str, dict[str, Any]] = {"items": _ITEMS_ANALYSIS}

_SEARCH_TEXT = {
    "type": "text", "analyzer": "whitespace", "norms": False,
    "fields": {
        "cjk": {"type": "text", "analyzer": CJK_INDEX_ANALYZER,
                "search_analyzer": CJK_SEARCH_ANALYZER, "norms": False},
    },
}

_PROPERTIES: dict[str, dict[str, Any]] = {
    "items": {
        "id": _KEYWORD, "url": _KEYWORD, "source": _KEYWORD, "source_type": _KEYWORD,
        "title": _STORED_TEXT, "text": _STORED_TEXT, "author": _KEYWORD,
        "published_at": _DATE, "fetched_at": _DATE,
        "date": _DATE,  # published_at, or fetched_at when unknown: filters, day buckets, sort
        "script": _KEYWORD, "district": _KEYWORD,
        "reposts": {"type": "long"}, "comments": {"type": "long"}, "likes": {"type": "long"},
        "content_hash": _KEYWORD, "duplicate_of": _KEYWORD, "spread_count": _INT,
        "relevant": _BOOL, "category": _KEYWORD, "risk": _INT, "rumor_suspected": _BOOL,
        "sentiment": _KEYWORD, "scores": _OPAQUE, "model_version": _KEYWORD,
        "explanation": _OPAQUE, "event_id": _KEYWORD, "handling_status": _KEYWORD,
        "analyst_label": _OPAQUE, "labeled_by": _KEYWORD, "labeled_at": _DATE,
        "has_label": _BOOL,
        "search_words": _SEARCH_TEXT,
    },
    "alerts": {
        "id": _KEYWORD, "rule": _KEYWORD, "title": _STORED_TEXT, "risk": _INT,
        "item_id": _KEYWORD, "event_id": _KEYWORD, "category": _KEYWORD,
        "created_at": _DATE, "updated_at": _DATE, "status": _KEYWORD, "assignee": _KEYWORD,
        "notified": _BOOL,
    },
    "events": {
        "id": _KEYWORD, "title": _STORED_TEXT, "first_seen": _DATE, "last_seen": _DATE,
        "item_count": _INT, "max_risk": _INT, "category": _KEYWORD, "keywords": _KEYWORD,
        "status": _KEYWORD,
    },
    "audit": {
        "id": _KEYWORD, "target_type": _KEYWORD, "target_id": _KEYWORD, "action": _KEYWORD,
        "actor": _KEYWORD,
        "at": {"type": "date_nanos"},  # microseconds survive, so newest-first is exact
        "seq": {"type": "long"},  # tie-breaker for entries within the same microsecond
        "before": _OPAQUE, "after": _OPAQUE, "note": _STORED_TEXT,
    },
    "sources": {
        "source": _KEYWORD, "last_run_at": _DATE, "last_success_at": _DATE,
        "last_error": _STORED_TEXT, "errors_total": _INT, "items_last_24h": _INT,
    },
    "users": {
        "username": _KEYWORD, "password_hash": {"type": "keyword", "index": False},
        "role": _KEYWORD, "active": _BOOL, "created_at": _DATE, "display_name": _KEYWORD,
    },
}


def alias_name(prefix: str, kind: str) -> str:
    return f"{prefix}-{kind}"


def first_index_name(prefix: str, kind: str) -> str:
    return f"{prefix}-{kind}-000001"


def analyzer_names(kind: str) -> set[str]:
    """Custom analyzers an index of this kind must define (empty for kinds without any)."""
    return set(_ANALYSIS.get(kind, {}).get("analyzer", {}))


def template_body(prefix: str, kind: str) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "number_of_shards": 1,
        # green on a single node, one replica as soon as there is a second node
        "auto_expand_replicas": "0-1",
    }
    if kind in _ANALYSIS:
        settings["analysis"] = _ANALYSIS[kind]
    return {
        "index_patterns": [f"{prefix}-{kind}-*"],
        "priority": 100,
        "template": {
            "settings": settings,
            "mappings": {"dynamic": False, "properties": _PROPERTIES[kind]},
        },
        "_meta": {"owner": "yuqing", "kind": kind},
    }
