"""Elasticsearch 8.x backend (official client), through one alias per document kind.

Writes refresh the index so the next read sees them (the dashboard shows what a duty
officer just did). Changes to existing documents are read-modify-write guarded by
`if_seq_no`/`if_primary_term` and retried on conflict, so concurrent writers never lose
each other's updates (the integ-test distribution has no Painless for scripted updates).

This module only assembles the Store from its parts, one job each:
es_client (connection, retries, document plumbing), es_setup (templates, aliases,
reindex), es_query (ItemQuery -> query, sort, cursor, aggregations), es_items (items)
and es_docs (audit, alerts, events, source health, users).
"""

from __future__ import annotations

from . import StoreConfig
from .composed import ComposedStore
from .es_client import EsClient
from .es_docs import EsAlerts, EsAudit, EsEvents, EsSources, EsUsers
from .es_items import EsItems, refresh_item_doc
from .es_setup import EsIndices


class ElasticsearchStore(ComposedStore):
    def __init__(self, config: StoreConfig) -> None:
        self.client = EsClient(config)
        self.config = config
        self.prefix = self.client.prefix
        self.es = self.client.es
        self._indices = EsIndices(self.client, refresh_item_doc)
        self._audit = EsAudit(self.client)
        self._items = EsItems(self.client, self._audit.append)
        self._alerts = EsAlerts(self.client, self._audit.append)
        self._events = EsEvents(self.client)
        self._sources = EsSources(self.client)
        self._users = EsUsers(self.client, self._audit.append)

    # ---- lifecycle -------------------------------------------------------------
    def setup(self) -> None:
        self._indices.setup()

    def reindex(self, kind: str) -> str:
        """Copy one kind into the next concrete index with the current mapping (see EsIndices)."""
        return self._indices.reindex(kind)

    def drop_all(self) -> None:
        """Delete every index and template of this prefix (tests and reset tools only)."""
        self._indices.drop_all()

    def close(self) -> None:
        self.client.close()

    def ping(self) -> bool:
        return self.client.ping()
