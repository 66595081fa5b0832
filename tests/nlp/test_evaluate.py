from nlp import bench
from nlp.evaluate import evaluate, format_report
from nlp.model import Prediction

ITEMS = [
    {"text": "a", "title": "", "script": "simplified", "relevant": True, "category": "domestic_violence",
     "risk": 3, "rumor_suspected": False, "sentiment": "negative"},
    {"text": "b", "title": "", "script": "traditional", "relevant": True, "category": "school_safety",
     "risk": 2, "rumor_suspected": True, "sentiment": "negative"},
    {"text": "c", "title": "", "script": "simplified", "relevant": False, "category": "none",
     "risk": 0, "rumor_suspected": False, "sentiment": "positive"},
    {"text": "d", "title": "", "script": "traditional", "relevant": True, "category": "domestic_violence",
     "risk": 1, "rumor_suspected": False, "sentiment": "neutral"},
]


class Oracle:
    """Answers from a table: the truth, or a fixed wrong answer for some texts."""

    model_version = "oracle"

    def __init__(self, wrong: dict[str, dict] | None = None):
        self.wrong = wrong or {}

    def predict(self, texts, titles=None):
        out = []
        for t in texts:
            it = next(i for i in ITEMS if i["text"] == t) | self.wrong.get(t, {})
            out.append(Prediction(it["relevant"], it["category"], it["risk"], it["rumor_suspected"], it["sentiment"]))
        return out


def test_perfect_answers_give_perfect_scores():
    r = evaluate(Oracle(), ITEMS)
    assert r["overall"]["relevance_f1"] == 1.0
    assert r["overall"]["category_macro_f1"] == 1.0
    assert r["overall"]["risk_ge2_f1"] == 1.0
    assert r["overall"]["risk3_recall_ge2"] == 1.0
    assert all(c["ok"] for c in r["checks"].values())
    assert r["tasks"]["category"]["confusion"] == [[2, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_mistakes_are_counted():
    wrong = {"a": {"risk": 1}, "d": {"relevant": False, "category": "none", "risk": 0}}
    r = evaluate(Oracle(wrong), ITEMS)
    o = r["overall"]
    assert o["risk3_recall_ge2"] == 0.0
    assert abs(o["risk_ge2_f1"] - 2 / 3) < 1e-9  # tp=1 (b), fn=1 (a)
    assert abs(o["relevance_f1"] - 0.8) < 1e-9  # tp=2, fn=1
    per = r["tasks"]["category"]["per_class"]["domestic_violence"]
    assert per["recall"] == 0.5 and per["support"] == 2
    assert r["by_script"]["traditional"]["relevance_f1"] < r["by_script"]["simplified"]["relevance_f1"]
    assert not r["checks"]["script_gap_relevance_f1"]["ok"]
    text = format_report(r)
    assert "MISSED" in text and "domestic_violence" in text


def test_bench_reports_figures(model_dir):
    result = bench.run(model_dir, n_items=300)
    assert result["items"] == 300
    assert result["items_per_s"] > 0
    assert result["model_bytes"] > 10_000
    assert result["load_s"] >= 0
