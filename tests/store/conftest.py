"""Backends for the store contract suite: SQLite on tmp_path, Elasticsearch on $YUQING_ES_URL."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest

from store import Store, StoreConfig

ES_HELP = "start it with `bash scripts/es.sh start` and set YUQING_ES_URL=http://127.0.0.1:9200"


def es_url() -> str:
    """The test Elasticsearch URL; fails (never skips) when it is not configured or not up."""
    url = os.environ.get("YUQING_ES_URL", "").split(",")[0].strip()
    if not url:
        pytest.fail(f"YUQING_ES_URL is not set: the es tests need a real Elasticsearch; {ES_HELP}")
    return url


def open_es(prefix: str) -> Store:
    from store.es_store import ElasticsearchStore

    url = es_url()
    store = ElasticsearchStore(StoreConfig(es_urls=[url], index_prefix=prefix, request_timeout=20, max_retries=2))
    if not store.ping():
        store.close()
        pytest.fail(f"Elasticsearch at {url} does not answer; {ES_HELP}")
    store.setup()
    return store


def clear_es(store: Store) -> None:
    """Delete every document under the store's aliases (the indices stay; much faster than new ones)."""
    from store import es_mappings

    es = store.es  # type: ignore[attr-defined]
    for kind in es_mappings.KINDS:
        alias = es_mappings.alias_name(store.prefix, kind)  # type: ignore[attr-defined]
        hits = es.search(index=alias, query={"match_all": {}}, size=10_000, _source=False)["hits"]["hits"]
        if hits:
            es.bulk(operations=[{"delete": {"_index": h["_index"], "_id": h["_id"]}} for h in hits], refresh=True)
        assert es.count(index=alias)["count"] == 0


@pytest.fixture(scope="module")
def es_module_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """One index prefix per test module; its indices and templates are dropped at the end."""
    module = re.sub(r"[^a-z0-9]+", "-", request.module.__name__.rsplit(".", 1)[-1].lower())
    s = open_es(f"yqtest-{module}-{uuid.uuid4().hex[:10]}")
    try:
        yield s
    finally:
        s.drop_all()  # type: ignore[attr-defined]
        s.close()


@pytest.fixture(params=["sqlite", pytest.param("es", marks=pytest.mark.es)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    if request.param == "sqlite":
        from store.sqlite_store import SQLiteStore

        s: Store = SQLiteStore(tmp_path / "store.db")
        s.setup()
        yield s
        s.close()
        return
    s = request.getfixturevalue("es_module_store")
    clear_es(s)  # every test starts empty
    yield s


@pytest.fixture
def es_store(es_module_store: Store) -> Iterator[Store]:
    """The Elasticsearch store alone, emptied (for tests of ES-only features)."""
    clear_es(es_module_store)
    yield es_module_store
