import pytest

from nlp.crossval import main, merge_params, random_folds, writer_folds, writer_of


def _items(counts):
    return [{"id": f"{w}-{i:04d}", "text": f"{w}写的第{i}条", "title": ""} for w, n in counts.items() for i in range(n)]


def test_writer_folds_keep_each_writer_on_one_side_and_balance_sizes():
    items = _items({"a": 50, "b": 45, "c": 40, "d": 12, "e": 11, "f": 10, "g": 9})
    folds = writer_folds(items, 3)
    by_writer = {}
    for it, f in zip(items, folds, strict=True):
        by_writer.setdefault(writer_of(it), set()).add(f)
    assert all(len(fs) == 1 for fs in by_writer.values())
    sizes = [folds.count(k) for k in range(3)]
    assert max(sizes) - min(sizes) <= 12
    assert set(folds) == {0, 1, 2}


def test_random_folds_split_a_writer():
    items = _items({"a": 60})
    assert len(set(random_folds(items, 3))) == 3


def test_merge_params_merges_nested_dicts_one_level():
    p = merge_params({"C": {"risk": 4.0}, "explain_top": 3})
    assert p["C"]["risk"] == 4.0 and p["C"]["category"] > 0
    assert p["explain_top"] == 3
    assert merge_params({})["C"]["risk"] != 4.0  # defaults untouched


def test_bad_parameters_are_a_clear_error(capsys):
    assert main(["{not json"]) == 2
    assert "JSON" in capsys.readouterr().err


@pytest.mark.parametrize("k", [2, 3])
def test_every_fold_gets_items(k):
    assert set(writer_folds(_items({"a": 5, "b": 5, "c": 5}), k)) == set(range(k))
