"""Index setup and migration of the Elasticsearch store: templates, aliases, reindex, drop."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import es_mappings as maps
from .base import StoreError
from .es_client import EsClient

# Rebuilds a stored items document (derived fields, tokens) during a copy.
SourceRewrite = Callable[[dict[str, Any]], dict[str, Any]]


class EsIndices:
    """Creates and migrates the concrete indices behind the per-kind aliases."""

    def __init__(self, client: EsClient, rewrite_item: SourceRewrite) -> None:
        self.client = client
        self.rewrite_item = rewrite_item

    def setup(self) -> None:
        """Create templates and indices, or bring existing ones up to the current mapping.

        An index that lacks an analyzer of the current mapping is copied into a new index
        (see reindex(): writes are refused during the copy), because analysis settings cannot change on
        an open index and documents already stored would never be analyzed by it.
        """
        c = self.client
        self._put_templates()
        for kind in maps.KINDS:
            alias = c.alias(kind)
            if c.call(f"checking alias {alias}", c.es.indices.exists_alias, name=alias):
                if not self._has_analyzers(kind):
                    self.reindex(kind)
                    continue
                # New fields reach the live index at once; a changed field type needs reindex().
                c.call(
                    f"updating the mapping of {alias}", c.es.indices.put_mapping,
                    index=alias, **maps.template_body(c.prefix, kind)["template"]["mappings"],
                )
                continue
            try:
                c.call(
                    f"creating index for {alias}", c.es.indices.create,
                    index=maps.first_index_name(c.prefix, kind),
                    aliases={alias: {"is_write_index": True}},
                    wait_for_active_shards="1",
                )
            except StoreError as exc:
                # Another process set it up at the same moment: fine, it is there now.
                if "resource_already_exists" not in str(exc):
                    raise

    def _put_templates(self) -> None:
        c = self.client
        for kind in maps.KINDS:
            alias = c.alias(kind)
            try:
                c.call(
                    f"creating index template {alias}", c.es.indices.put_index_template,
                    name=alias, **maps.template_body(c.prefix, kind),
                )
            except StoreError as exc:
                if "cjk_" in str(exc):
                    raise StoreError(
                        f"Elasticsearch at {c.urls()} lacks the cjk_bigram/cjk_width "
                        "token filters (module analysis-common). A full distribution has them; the test "
                        "build started by scripts/es.sh gets them from scripts/es-cjk-plugin. "
                        f"Details: {exc}"
                    ) from exc
                raise

    def _has_analyzers(self, kind: str) -> bool:
        """Whether every index behind the alias defines the analyzers of the current mapping."""
        wanted = maps.analyzer_names(kind)
        if not wanted:
            return True
        c = self.client
        alias = c.alias(kind)
        indices = c.call(f"reading alias {alias}", c.es.indices.get_alias, name=alias).body
        # An index without any analyzer is left out of this answer entirely.
        found = c.call(f"reading the settings of {alias}", c.es.indices.get_settings,
                       index=alias, name="index.analysis.analyzer.*").body
        for index in indices:
            settings = found.get(index, {}).get("settings", {})
            defined = settings.get("index", {}).get("analysis", {}).get("analyzer", {})
            if not wanted <= set(defined):
                return False
        return True

    def reindex(self, kind: str) -> str:
        """Copy one kind into the next concrete index with the current mapping; move the alias.

        Reads keep working throughout. Writes are blocked on the old index while it is
        copied (they fail with a clear error instead of being lost), so run this when the
        crawler is paused. Items are re-tokenized, which also picks up jieba dictionary
        changes. Returns the new index name.
        """
        if kind not in maps.KINDS:
            raise StoreError(f"unknown document kind '{kind}' (one of {', '.join(maps.KINDS)})")
        c = self.client
        alias = c.alias(kind)
        current = sorted(c.call(f"reading alias {alias}", c.es.indices.get_alias, name=alias).body)
        if len(current) != 1:
            raise StoreError(f"alias {alias} points at {len(current)} indices ({', '.join(current)}); expected one")
        old = current[0]
        match = re.fullmatch(rf"{re.escape(alias)}-(\d+)", old)
        number = int(match.group(1)) + 1 if match else 1
        new = f"{alias}-{number:06d}"
        self._put_templates()  # the template carries the current mapping into the new index
        c.call(f"creating {new}", c.es.indices.create, index=new, wait_for_active_shards="1")
        c.call(f"blocking writes to {old}", c.es.indices.put_settings, index=old,
               settings={"index.blocks.write": True})
        try:
            actions = []
            for hit in c.scan(kind, f"copying {alias}", {"match_all": {}}, [{"_doc": "asc"}]):
                source = hit["_source"]
                if kind == "items":
                    source = self.rewrite_item(source)
                actions.append({"_op_type": "index", "_index": new, "_id": hit["_id"], "_source": source})
                if len(actions) >= 500:
                    c.bulk_strict(f"copying {alias}", actions)
                    actions = []
            c.bulk_strict(f"copying {alias}", actions)
            c.call(f"moving alias {alias}", c.es.indices.update_aliases, actions=[
                {"remove": {"index": old, "alias": alias}},
                {"add": {"index": new, "alias": alias, "is_write_index": True}},
            ])
        except BaseException:
            # Leave things as they were: the old index keeps the alias and takes writes again.
            c.es.options(ignore_status=404).indices.delete(index=new)
            c.es.indices.put_settings(index=old, settings={"index.blocks.write": False})
            raise
        c.call(f"deleting {old}", c.es.indices.delete, index=old)
        return new

    def drop_all(self) -> None:
        """Delete every index and template of this prefix (tests and reset tools only)."""
        c = self.client
        quiet = c.es.options(ignore_status=404)
        for kind in maps.KINDS:
            alias = c.alias(kind)
            # Deleting by wildcard is refused by default (action.destructive_requires_name).
            found = c.call(f"listing {alias}", quiet.indices.get, index=f"{alias}-*",
                           expand_wildcards="all").body
            names = [n for n in found if isinstance(found.get(n), dict)]
            if names:
                c.call(f"deleting {alias}", quiet.indices.delete, index=",".join(names))
            c.call(f"deleting template {alias}", quiet.indices.delete_index_template, name=alias)
