import json

import pytest

from nlp.data import load_labeled
from nlp.registry import ModelRegistry, RegistryError


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """A small slice of the packaged data: a few items of every category."""
    items = load_labeled(strict=False)
    per_cat: dict[str, list] = {}
    for it in items:
        per_cat.setdefault(it["category"], []).append(it)
    rows = [it for group in per_cat.values() for it in group[:12]]
    path = tmp_path_factory.mktemp("data") / "small.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path, rows


def test_train_activate_rollback(tmp_path, small_data):
    path, rows = small_data
    reg = ModelRegistry(tmp_path / "models")
    assert reg.active() is None and reg.list() == []
    with pytest.raises(RegistryError):
        reg.load()
    with pytest.raises(RegistryError):
        reg.rollback()

    messages: list[str] = []
    v1 = reg.train(data_paths=[path], log=messages.append)
    assert reg.active() == v1
    assert any("training on" in m for m in messages)
    meta = reg.meta(v1)
    assert meta["version"] == v1 and meta["created_at"]
    assert len(meta["fingerprint"]) == 64
    assert meta["counts"]["train"] + meta["counts"]["heldout"] == len(rows)
    for task in ("relevant", "category", "risk", "rumor_suspected", "sentiment"):
        assert task in meta["metrics"]["tasks"]
    assert "relevance_f1" in meta["metrics"]["overall"]

    extra = [{"text": "分析员补充：某男子长期殴打妻子并威胁其家人", "relevant": True,
              "category": "domestic_violence", "risk": 2, "rumor_suspected": False,
              "sentiment": "negative"},
             {"text": "坏标注", "relevant": "maybe"}]
    messages.clear()
    v2 = reg.train(extra_items=extra, activate=False, data_paths=[path], log=messages.append)
    assert v2 != v1
    assert reg.active() == v1, "--no-activate must keep the active version"
    assert reg.meta(v2)["counts"]["train_extra"] == 1
    assert reg.meta(v2)["fingerprint"] != meta["fingerprint"]
    assert any("skipped analyst label #2" in m for m in messages)

    reg.activate(v2)
    assert reg.active() == v2
    assert reg.load().model_version == v2
    assert [m["version"] for m in reg.list()] == [v1, v2]
    assert [m["active"] for m in reg.list()] == [False, True]

    assert reg.rollback() == v1
    assert reg.active() == v1
    with pytest.raises(RegistryError):
        reg.rollback()
    with pytest.raises(RegistryError):
        reg.activate("no-such-version")


def test_ensure_active_trains_once_and_says_so(tmp_path, small_data):
    path, _ = small_data
    reg = ModelRegistry(tmp_path / "m")
    v = reg.train(data_paths=[path], activate=False)
    assert reg.active() is None
    said: list[str] = []
    # ensure_active trains from the packaged data; here an activated version exists first
    reg.activate(v)
    assert reg.ensure_active(said.append) == v
    assert said == []
