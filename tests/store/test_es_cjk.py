"""Elasticsearch makes the search bigrams itself: cjk_width + cjk_bigram on `search_words.cjk`.

On the integ-test build these filters come from scripts/es-cjk-plugin (installed by
scripts/es.sh); on a full distribution from the analysis-common module. Either way the
store's items index must use them.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from store import ItemQuery, StoreConfig, StoreError, textindex
from store import es_mappings as maps
from store.codec import to_doc

from .conftest import es_url
from .support import make_item

pytestmark = pytest.mark.es

BRIDGE = ("南京市长江大桥今日通车", "交通部门发布消息。")


def items_alias(store) -> str:
    return maps.alias_name(store.prefix, "items")


def tokens(resp: Any) -> list[str]:
    return [t["token"] for t in resp["tokens"]]


def test_items_index_analyzes_the_sub_field_into_bigrams(es_store) -> None:
    es = es_store.es
    index = items_alias(es_store)
    # the field's own index analyzer: every character and every bigram, width folded, lower case
    got = tokens(es.indices.analyze(index=index, field="search_words.cjk", text="市长江桥 ＭｅＴｏｏ"))
    assert set(got) == {"市", "长", "江", "桥", "市长", "长江", "江桥", "metoo"}
    # the search analyzer: only bigrams, so a query must match consecutive characters
    got = tokens(es.indices.analyze(index=index, analyzer=maps.CJK_SEARCH_ANALYZER, text="市长江桥，妇联"))
    assert got == ["市长", "长江", "江桥", "妇联"]
    # a lone character stays a unigram and can still be searched
    assert tokens(es.indices.analyze(index=index, analyzer=maps.CJK_SEARCH_ANALYZER, text="桥")) == ["桥"]
    # the jieba field itself is plain whitespace analysis of what Python put there
    assert tokens(es.indices.analyze(index=index, field="search_words", text="南京 长江大桥")) == ["南京", "长江大桥"]


def test_only_the_bigram_sub_field_finds_a_word_jieba_did_not_make(es_store) -> None:
    item = make_item(1, title=BRIDGE[0], text=BRIDGE[1])
    other = make_item(2, title="天气预报", text="明天多云转晴。")
    es_store.upsert_items([item, other])
    assert "市长" not in textindex.words(textindex.document_text(*BRIDGE))
    es = es_store.es
    index = items_alias(es_store)

    def hits(field: str, text: str) -> set[str]:
        resp = es.search(index=index, query={"match": {field: {"query": text, "operator": "and"}}})
        return {h["_id"] for h in resp["hits"]["hits"]}

    assert hits("search_words", "市长") == set()  # not a jieba word of the document
    assert hits("search_words.cjk", "市长") == {item.id}  # a bigram made by Elasticsearch
    assert hits("search_words.cjk", "桥南") == set()  # both characters are there, not adjacent
    # through the store: the bool should over both fields finds it
    assert {i.id for i in es_store.search_items(ItemQuery(text="市长")).items} == {item.id}
    # Traditional query text is converted in Python before the sub-field analyzes it
    assert {i.id for i in es_store.search_items(ItemQuery(text="市長江")).items} == {item.id}
    # the Python-made n-gram field is gone from the documents
    source = es.get(index=index, id=item.id)["_source"]
    assert "search_grams" not in source
    assert source["search_words"][1] == textindex.document_text(*BRIDGE)


def test_mapping_declares_the_sub_field_with_the_cjk_analyzers(es_store) -> None:
    index = items_alias(es_store)
    mapping = es_store.es.indices.get_mapping(index=index).body
    (body,) = mapping.values()
    field = body["mappings"]["properties"]["search_words"]
    assert field["analyzer"] == "whitespace"
    assert field["fields"]["cjk"]["analyzer"] == maps.CJK_INDEX_ANALYZER
    assert field["fields"]["cjk"]["search_analyzer"] == maps.CJK_SEARCH_ANALYZER
    assert "search_grams" not in body["mappings"]["properties"]


def test_cjk_bigram_options(es_store) -> None:
    es = es_store.es

    def run(**options: Any) -> list[str]:
        flt = {"type": "cjk_bigram", **options}
        return tokens(es.indices.analyze(tokenizer="standard", filter=[flt], text="妇联にほんご"))

    assert run() == ["妇联", "联に", "にほ", "ほん", "んご"]
    # han ignored: Chinese characters stay single, kana still pair up
    assert run(ignored_scripts=["han"]) == ["妇", "联", "にほ", "ほん", "んご"]
    assert set(run(output_unigrams=True)) == {"妇", "联", "に", "ほ", "ん", "ご",
                                              "妇联", "联に", "にほ", "ほん", "んご"}
    width = es.indices.analyze(tokenizer="standard", filter=["cjk_width"], text="ＡＢＣ１２３ ｶﾀｶﾅ")
    assert tokens(width) == ["ABC123", "カタカナ"]


def test_our_plugin_refuses_an_unknown_script(es_store) -> None:
    es = es_store.es
    plugins = {p["component"] for p in es.cat.plugins(format="json", h="component").body}
    flt = {"type": "cjk_bigram", "ignored_scripts": ["hanzi"]}
    if "yuqing-cjk" in plugins:
        from elasticsearch import BadRequestError

        with pytest.raises(BadRequestError, match="unknown script \\[hanzi\\]"):
            es.indices.analyze(tokenizer="standard", filter=[flt], text="妇联")
    else:
        # a full distribution's own filter ignores unknown names
        assert tokens(es.indices.analyze(tokenizer="standard", filter=[flt], text="妇联")) == ["妇联"]


def _old_items_index(es, prefix: str, items) -> str:
    """An items index as the store made it before the sub-field: Python n-grams, no analyzers."""
    index = maps.first_index_name(prefix, "items")
    old_text = {"type": "text", "analyzer": "whitespace", "norms": False}
    es.indices.create(
        index=index, aliases={maps.alias_name(prefix, "items"): {"is_write_index": True}},
        settings={"number_of_shards": 1, "auto_expand_replicas": "0-1"},
        mappings={"dynamic": False, "properties": {
            "id": {"type": "keyword"}, "search_words": old_text, "search_grams": old_text,
        }},
    )
    for item in items:
        doc = to_doc(item)
        doc["date"] = doc["published_at"] or doc["fetched_at"]
        doc["has_label"] = False
        doc["search_words"], doc["search_grams"] = textindex.index_terms(item.title, item.text)
        es.index(index=index, id=item.id, document=doc)
    es.indices.refresh(index=index)
    return index


def test_setup_moves_an_old_items_index_onto_the_bigram_sub_field(es_store) -> None:
    from store.es_store import ElasticsearchStore

    prefix = f"yqtest-cjk-migrate-{uuid.uuid4().hex[:10]}"
    items = [make_item(1, title=BRIDGE[0], text=BRIDGE[1]), make_item(2, title="天气预报", text="多云")]
    old = _old_items_index(es_store.es, prefix, items)
    store = ElasticsearchStore(StoreConfig(es_urls=[es_url()], index_prefix=prefix, request_timeout=20))
    try:
        store.setup()
        alias = maps.alias_name(prefix, "items")
        (current,) = store.es.indices.get_alias(name=alias).body
        assert current != old and not store.es.indices.exists(index=old)
        assert store.get_item(items[0].id) == items[0]
        assert {i.id for i in store.search_items(ItemQuery(text="市长")).items} == {items[0].id}
        assert store.search_items(ItemQuery()).total == 2
        store.setup()  # now current: nothing moves again
        assert set(store.es.indices.get_alias(name=alias).body) == {current}
    finally:
        store.drop_all()
        store.close()


def test_a_node_without_the_cjk_filters_gets_a_clear_error(es_store, monkeypatch) -> None:
    # The running node has the filters, so the mapping asks for one no node has: the node
    # refuses the template the same way, and the store must name the cause and the cure.
    from store.es_store import ElasticsearchStore

    analysis = copy.deepcopy(maps._ANALYSIS)
    analysis["items"]["analyzer"][maps.CJK_INDEX_ANALYZER]["filter"] = ["cjk_width", "cjk_nosuch"]
    monkeypatch.setattr(maps, "_ANALYSIS", analysis)
    prefix = f"yqtest-cjk-missing-{uuid.uuid4().hex[:10]}"
    store = ElasticsearchStore(StoreConfig(es_urls=[es_url()], index_prefix=prefix, request_timeout=20))
    try:
        with pytest.raises(StoreError, match="lacks the cjk_bigram/cjk_width.*es-cjk-plugin.*cjk_nosuch"):
            store.setup()
        assert not store.es.indices.exists_alias(name=maps.alias_name(prefix, "items"))
    finally:
        store.drop_all()
        store.close()
