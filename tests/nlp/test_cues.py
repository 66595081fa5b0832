import pickle

import numpy as np

from nlp.cues import CUES, CueFeatures, ages, victim_count
from nlp.data import load_labeled
from nlp.model import Classifier, train_bundle


def _row(cf, text):
    names = list(cf.get_feature_names_out())
    x = cf.transform([text]).toarray()[0]
    return {n.removeprefix("[线索]"): v for n, v in zip(names, x, strict=True)}


def test_ages_and_head_counts():
    assert ages("一名12岁女孩和她十三岁的姐姐，母亲三十岁") == [12, 13, 30]
    assert ages("二十岁") == [20] and ages("十岁") == [10]
    assert ages("没有年龄") == []
    assert victim_count("静海区某中学23名学生午餐后呕吐，3名送医") == 23
    assert victim_count("没有人数") == 0


def test_cues_fire_on_their_signs_only():
    cf = CueFeatures().fit([])
    hit = _row(cf, "幼儿园老师打伤一名8岁孩子，视频上了热搜，家长聚集讨说法")
    for name in ("涉事机构", "机构人员", "受伤", "未成年人", "传播扩散", "聚集维权", "14岁以下", "18岁以下"):
        assert hit[name] > 0, name
    assert hit["死亡"] == 0 and hit["拐卖"] == 0
    calm = _row(cf, "今天天气很好，我们去公园散步")
    assert all(v == 0 for v in calm.values())
    assert len(cf.get_feature_names_out()) == len(CUES) + 3
    # mortality statistics are no death of a victim
    assert _row(cf, "孕产妇死亡率下降")["死亡"] == 0


def test_cue_features_pickle_without_compiled_patterns():
    cf = CueFeatures().fit([])
    cf.transform(["受伤"])
    clone = pickle.loads(pickle.dumps(cf))
    assert "_compiled" not in clone.__dict__
    assert (clone.transform(["孩子受伤住院"]) != cf.transform(["孩子受伤住院"])).nnz == 0


def test_risk_models_with_cues_and_category_interactions():
    items = load_labeled(strict=False)
    per_cat: dict[str, list] = {}
    for it in items:
        per_cat.setdefault(it["category"], []).append(it)
    rows = [it for group in per_cat.values() for it in group[:25]]
    bundle = train_bundle(rows, {"risk_cue_weight": 0.5, "risk_cue_by_category": True})
    clf = Classifier(pickle.loads(pickle.dumps(bundle)))
    n_shared = clf.features.transform(["x"]).shape[1]
    n_cues = len(CUES) + 3
    assert len(clf.terms) == n_shared + n_cues * (1 + len(clf.cue_categories))
    assert clf._w["risk_high"].shape[1] == len(clf.terms)
    assert clf._w["category"].shape[1] == n_shared  # shared tasks do not read the cues
    preds = clf.predict(["幼儿园老师打伤一名4岁孩子，视频上了热搜，多名家长聚集讨说法", "女神节全场五折"])
    assert all(0 <= p.scores["risk_ge2"] <= 1 for p in preds)
    terms = [e["term"] for p in preds for e in p.explanation]
    assert all(isinstance(t, str) and t for t in terms)
    # a cue column shown in an explanation names a cue of that text
    for p in preds:
        for e in p.explanation:
            if e["term"].startswith("[线索]"):
                assert e["task"] == "risk"
    assert np.isfinite([p.scores["risk_ge2"] for p in preds]).all()
