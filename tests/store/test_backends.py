"""Backend-specific store behaviour: unavailability, configuration, SQLite connections, ES reindex.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from store import (
    Alert,
    ItemQuery,
    StoreConfig,
    StoreError,
    StoreUnavailable,
)

from .support import make_item


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
