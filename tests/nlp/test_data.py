import json

import pytest

from nlp.data import CATEGORIES, LabeledDataError, fingerprint, load_labeled, split

GOOD = {
    "id": "x1", "text": "丈夫殴打妻子", "title": "", "form": "weibo", "script": "simplified",
    "relevant": True, "category": "domestic_violence", "risk": 2, "rumor_suspected": False,
    "sentiment": "negative", "district": None,
}


def _write(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")


def test_loader_names_file_and_line(tmp_path):
    f = tmp_path / "bad.jsonl"
    _write(f, [GOOD, "{not json", GOOD | {"risk": 5}, GOOD | {"relevant": False}, GOOD | {"form": "tv"}])
    with pytest.raises(LabeledDataError) as exc:
        load_labeled([f])
    msg = str(exc.value)
    assert f"{f}:2: not valid JSON" in msg
    assert f"{f}:3: 'risk'" in msg
    assert f"{f}:4: 'category' must be 'none'" in msg
    assert f"{f}:5: 'form'" in msg
    assert "4 bad labeled line" in msg


def test_loader_lenient_mode_keeps_good_lines(tmp_path):
    f = tmp_path / "mixed.jsonl"
    _write(f, [GOOD, "[1, 2]", GOOD | {"id": "x2"}])
    errors: list[str] = []
    items = load_labeled([f], strict=False, errors=errors)
    assert [it["id"] for it in items] == ["x1", "x2"]
    assert len(errors) == 1 and ":2:" in errors[0]


def test_packaged_data_is_valid():
    items = load_labeled()
    assert len(items) > 100


def test_split_is_deterministic_disjoint_and_covers_categories():
    items = load_labeled(strict=False)
    train, held = split(items)
    train2, held2 = split(list(reversed(items)))
    assert sorted(i["id"] for i in held) == sorted(i["id"] for i in held2)
    assert len(train) + len(held) == len(items)
    texts_train = {(i["title"], i["text"]) for i in train}
    assert not any((i["title"], i["text"]) in texts_train for i in held)
    share = len(held) / len(items)
    assert 0.12 < share < 0.3
    present = {i["category"] for i in items}
    held_cats = {i["category"] for i in held}
    for cat in present:
        if sum(1 for i in items if i["category"] == cat) >= 2:
            assert cat in held_cats, cat
    assert held_cats <= set(CATEGORIES) | {"none"}


def test_split_keeps_traditional_copy_with_its_original():
    a = GOOD | {"id": "s", "text": "網傳有人販子在菜市場搶孩子，大家注意"}
    b = GOOD | {"id": "t", "text": "网传有人贩子在菜市场抢孩子，大家注意"}
    others = [GOOD | {"id": f"o{i}", "text": f"第{i}条不同的内容，孩子走失"} for i in range(40)]
    train, held = split([a, b, *others])
    sides = {("held" if x in held else "train") for x in (a, b)}
    assert len(sides) == 1


def test_fingerprint_ignores_order_but_not_labels():
    a, b = GOOD, GOOD | {"id": "x2", "text": "另一条"}
    assert fingerprint([a, b]) == fingerprint([b, a])
    assert fingerprint([a, b]) != fingerprint([a, b | {"risk": 3}])


def test_near_copies_finds_a_reworded_copy_and_ignores_other_text():
    from nlp.data.leakage import near_copies

    original = GOOD | {"id": "o", "text": "河西区一男子酒后持刀砍伤妻子，妻子颈部多处受伤，已送医抢救，嫌疑人被警方控制。"}
    reworded = GOOD | {"id": "r", "text": "河西区一男子酒后持刀砍伤妻子，妻子手臂多处受伤，已送医抢救，嫌疑人已被警方控制。"}
    other = GOOD | {"id": "x", "text": "南开区某小学开展防拐演练，民警为孩子们讲解如何识别陌生人。"}
    pairs = near_copies([original], [reworded, other])
    assert [(p.left_id, p.right_id) for p in pairs] == [("o", "r")]
    assert 0.5 <= pairs[0].similarity < 1.0


def test_no_training_item_is_a_near_copy_of_an_evaluation_item():
    """Held-out and independent figures mean something only if no training item
    repeats an evaluation item in other words."""
    from nlp.data import DATA_DIR
    from nlp.data.leakage import near_copies

    train, held = split(load_labeled(strict=False))
    independent = load_labeled([DATA_DIR / "independent" / "check.jsonl"])
    assert near_copies(train, held) == []
    assert near_copies(train + held, independent) == []
