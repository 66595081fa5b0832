import pickle

import joblib
import numpy as np

from nlp.data import load_labeled, split
from nlp.evaluate import evaluate
from nlp.normalize import normalize_text

SAMPLES = [
    "丈夫长期殴打妻子，妻子多处骨折住院，邻居报警后警方已立案。",
    "网传菜市场有人贩子抢孩子，大家注意，速转！",
    "女神节全场五折，快来抢购",
    "某幼儿园老师用针扎孩子，多名家长到园门口讨说法",
]


def _labels(preds):
    return [(p.relevant, p.category, p.risk, p.rumor_suspected, p.sentiment) for p in preds]


def test_pickle_round_trip_gives_same_predictions(classifier):
    clone = pickle.loads(pickle.dumps(classifier))
    a, b = classifier.predict(SAMPLES), clone.predict(SAMPLES)
    assert _labels(a) == _labels(b)
    assert [p.scores for p in a] == [p.scores for p in b]


def test_joblib_round_trip(classifier, tmp_path):
    joblib.dump(classifier, tmp_path / "c.joblib")
    clone = joblib.load(tmp_path / "c.joblib")
    assert _labels(clone.predict(SAMPLES)) == _labels(classifier.predict(SAMPLES))


def test_labels_do_not_depend_on_script(classifier):
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    trad = [s2t.convert(t) for t in SAMPLES]
    a, b = classifier.predict(SAMPLES), classifier.predict(trad)
    assert _labels(a) == _labels(b)
    assert [p.script for p in b] == ["traditional"] * len(SAMPLES)


def test_prediction_contract(classifier):
    preds = classifier.predict(SAMPLES, titles=["", "", "促销", ""])
    assert len(preds) == len(SAMPLES)
    for text, p in zip(SAMPLES, preds, strict=True):
        d = p.to_dict()
        assert d["model_version"] == classifier.model_version != ""
        if not p.relevant:
            assert p.category == "none" and p.risk == 0
        assert p.risk in (0, 1, 2, 3)
        norm = normalize_text(text)
        for e in p.explanation:
            assert e["weight"] > 0
            # explanation terms are features of this text (n-grams or lexicon groups)
            assert e["term"].startswith(("[词典]", "[线索]")) or all(part in norm for part in e["term"].split(" "))
    assert classifier.predict([]) == []


def test_model_beats_majority_baseline_on_heldout(classifier):
    items = load_labeled(strict=False)
    _, held = split(items)
    report = evaluate(classifier, held)
    overall = report["overall"]
    rel = np.array([it["relevant"] for it in held])
    # F1 of always answering the majority class "relevant" (or 0 when the majority is irrelevant)
    p = rel.mean()
    majority_f1 = 2 * p / (1 + p) if p >= 0.5 else 0.0
    assert overall["relevance_f1"] > majority_f1 + 0.05
    assert report["tasks"]["category"]["macro_f1"] > 0.3


def test_warning_is_decided_on_relevance_times_risk(classifier):
    """risk >= 2 exactly when P(relevant) x P(risk >= 2) reaches the CV-tuned threshold,
    so a doubtful relevance cannot give a warning a confident one would not."""
    params = classifier.params
    assert params["risk_joint_relevance"] is True
    threshold = params["risk_ge2_threshold"]
    assert 0.3 <= threshold <= 0.7
    items = load_labeled(strict=False)
    _, held = split(items)
    preds = classifier.predict([it["text"] for it in held[:400]], [it["title"] for it in held[:400]])
    raised = 0
    for p in preds:
        warning = p.scores["risk_ge2"]
        assert 0.0 <= warning <= p.scores["relevant"] + 1e-4
        if p.relevant and abs(warning - threshold) > 1e-4:  # scores are rounded to 4 places
            assert (p.risk >= 2) == (warning >= threshold)
        raised += p.risk >= 2
        if not p.relevant:
            assert p.risk == 0
    assert 0 < raised < len(preds)
