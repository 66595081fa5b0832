"""The five task models, their training, and the Classifier that applies them.

Each task is a scikit-learn Pipeline (shared features -> LogisticRegression). The
features are fitted once and shared, so prediction tokenizes each text once and
then asks every task's classifier. Probabilities come from predict_proba.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from nlp.cues import CueFeatures
from nlp.features import build_features, feature_terms, join_title, prepare
from nlp.lexicon import GROUP_LABELS
from nlp.normalize import detect_script
from nlp.places import find_district
from nlp.risk_decision import combine_high, decide_risk, prob_of, tune_threshold

# Stripped from the ends of character n-grams shown as explanation terms.
_EDGE_PUNCT = " ，。！？、：；“”‘’（）()《》【】…—~,.!?:;\"'-"

TASKS = ("relevant", "category", "risk", "risk_high", "rumor", "sentiment")
FORMAT = 1

DEFAULT_PARAMS: dict[str, Any] = {
    "features": {},
    # Chosen by 3-fold cross-validation on the training split (never the held-out).
    # risk and risk_high: 1.0. Random 3-fold CV on the training split, risk >= 2 F1: with
    # 4,159 items 0.802 at 8, 0.814 at 2, 0.815 at 1, 0.810 at 0.5; with 7,122 training
    # items (lexicon weight 0.1) 0.875 at 4 and 2, 0.870 at 1. Random folds share writers,
    # so they reward each writer's habits; with folds grouped by writer (no writer on
    # both sides, the question "does it carry over to posts written elsewhere?"; files
    # grouped a,d-h / b,i-m / c,n-r) C 1 and 2 tie at 0.857, and 1 keeps risk-3 recall
    # higher (0.969 vs 0.966).
    # category: 16, 32, 64 gave macro-F1 0.808, 0.810, 0.807 (random folds, 7,122 items).
    "C": {"relevant": 16.0, "category": 32.0, "risk": 1.0, "risk_high": 1.0, "rumor": 8.0,
          "sentiment": 4.0},
    # risk >= 2 is decided by its own binary model (P >= threshold), the level
    # within each side by the 4-level model: the target question "does this need
    # a warning?" gets a model trained for exactly that.
    # "auto": chosen by cross-validation on the training items (see nlp.risk_decision.tune_threshold)
    "risk_ge2_threshold": "auto",
    "risk3_recall_floor": 0.95,  # the target itself
    # Decide "risk >= 2" on P(relevant) x P(risk >= 2 | relevant), the probability that
    # the item is a relevant warning, instead of "relevant, then P(>= 2) >= threshold":
    # a doubtful relevance lowers the warning too. 3-fold CV on the training split,
    # risk >= 2 F1 0.813 -> 0.821 (4,159 items), 0.830 -> 0.838 (5,745 items) and
    # 0.851 -> 0.855 (7,379 items), with risk-3 recall kept at the floor. False
    # reproduces models saved before this.
    "risk_joint_relevance": True,
    "risk_on_all": False,  # learn risk from irrelevant items too (as level 0)
    "risk_high_model": True,
    "risk3_weight": 1.0,  # extra sample weight of risk-3 items in the risk >= 2 model
    # Escalation cues (nlp.cues) read by the two risk models only (in the shared
    # features they cost category macro-F1 0.012 in CV). Off: on the training split's
    # CV they did not raise risk >= 2 F1 (0.815 without, 0.815 at 0.1, 0.811 at 0.2,
    # 0.805 at 0.5 with C=2); the word and character n-grams already carry them.
    "risk_cue_weight": 0.0,
    # cue x predicted category (out-of-fold category probabilities at training time):
    # an injury means more in some categories than in others.
    "risk_cue_by_category": False,
    "relevant_threshold": 0.5,
    "rumor_threshold": 0.5,
    "explain_top": 5,
}

Log = Callable[[str], None]


@dataclass
class Prediction:
    relevant: bool
    category: str
    risk: int
    rumor_suspected: bool
    sentiment: str
    scores: dict[str, Any] = field(default_factory=dict)
    explanation: list[dict[str, Any]] = field(default_factory=list)
    district: str | None = None
    script: str = "simplified"
    model_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _targets(
    items: Sequence[dict[str, Any]], task: str, risk_on_all: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(row mask, labels) for a task. Category (and by default risk) learn from relevant items."""
    if task == "relevant":
        return np.ones(len(items), bool), np.array([bool(it["relevant"]) for it in items])
    if task == "rumor":
        return np.ones(len(items), bool), np.array([bool(it["rumor_suspected"]) for it in items])
    if task == "sentiment":
        return np.ones(len(items), bool), np.array([it["sentiment"] for it in items], dtype=object)
    rel = np.array([bool(it["relevant"]) for it in items])
    if task == "category":
        return rel, np.array([it["category"] for it in items if it["relevant"]], dtype=object)
    mask = np.ones(len(items), bool) if risk_on_all else rel
    risks = np.array([int(it["risk"]) if it["relevant"] else 0 for it in items])[mask]
    if task == "risk":
        return mask, risks
    if task == "risk_high":
        return mask, risks >= 2
    raise ValueError(f"unknown task {task!r}")


class _ConstantModel:
    """Stands in for a task whose training labels have one class only."""

    def __init__(self, label: Any) -> None:
        self.classes_ = np.array([label], dtype=object if isinstance(label, str) else None)
        self.coef_ = None

    def predict_proba(self, x: Any) -> np.ndarray:
        return np.ones((x.shape[0], 1))


def train_bundle(
    items: Sequence[dict[str, Any]], params: dict[str, Any] | None = None, log: Log | None = None
) -> dict[str, Any]:
    """Fit features and the five task models on labeled items; returns the saveable bundle."""
    if not items:
        raise ValueError("no training items")
    p = DEFAULT_PARAMS | (params or {})
    p = {k: (dict(v) if isinstance(v, dict) else v) for k, v in p.items()}  # no shared state
    say = log or (lambda _m: None)
    t0 = time.perf_counter()
    texts = prepare([it["text"] for it in items], [it.get("title") or "" for it in items])
    union: FeatureUnion = build_features(p["features"])
    x = union.fit_transform(texts).tocsr()
    say(f"features: {x.shape[0]} items x {x.shape[1]} columns ({time.perf_counter() - t0:.1f}s)")
    cues: CueFeatures | None = None
    categories: list[str] = []
    x_risk = x
    if p["risk_cue_weight"] > 0:
        cues = CueFeatures().fit(texts)
        cat_proba = None
        if p["risk_cue_by_category"]:
            cat_proba, categories = _oof_category_proba(x, items, p["C"]["category"])
        x_risk = _with_cues(x, cues.transform(texts), float(p["risk_cue_weight"]), cat_proba)
    pipelines: dict[str, Pipeline] = {}
    for task in TASKS:
        if task == "risk_high" and not p["risk_high_model"]:
            continue
        mask, y = _targets(items, task, bool(p["risk_on_all"]))
        xt = x_risk if task in RISK_TASKS else x
        classes = np.unique(y)
        if len(classes) < 2:
            clf: Any = _ConstantModel(classes[0] if len(classes) else None)
        else:
            clf = LogisticRegression(
                C=p["C"][task], class_weight="balanced", max_iter=3000, solver="lbfgs"
            )
            weight = None
            if task == "risk_high" and p["risk3_weight"] != 1.0:
                levels = np.array([int(it["risk"]) for it in items])[mask]
                weight = np.where(levels == 3, float(p["risk3_weight"]), 1.0)
            clf.fit(xt[mask], y, sample_weight=weight)
        pipelines[task] = Pipeline([("features", union), ("clf", clf)])
    if p["risk_ge2_threshold"] == "auto" and isinstance(
        getattr(pipelines.get("risk_high"), "named_steps", {}).get("clf"), LogisticRegression
    ):
        risk_rows, _ = _targets(items, "risk", bool(p["risk_on_all"]))
        p["risk_ge2_threshold"] = tune_threshold(x, x_risk, items, risk_rows, p)
        score = "P(relevant) x P(risk >= 2)" if p["risk_joint_relevance"] else "P(risk >= 2)"
        say(f"threshold of {score} from cross-validation: {p['risk_ge2_threshold']:.2f}")
    if p["risk_ge2_threshold"] == "auto":  # no risk >= 2 model was trained
        p["risk_ge2_threshold"] = 0.5
    say(f"trained {len(pipelines)} task models in {time.perf_counter() - t0:.1f}s")
    return {
        "format": FORMAT,
        "features": union,
        "pipelines": pipelines,
        "terms": np.concatenate([feature_terms(union), _cue_terms(cues, categories)]),
        "risk_cues": cues,
        "risk_cue_categories": categories,
        "params": p,
        "version": "",
    }


RISK_TASKS = ("risk", "risk_high")


def _oof_category_proba(
    x: sp.csr_matrix, items: Sequence[dict[str, Any]], c: float
) -> tuple[np.ndarray, list[str]]:
    """Category probabilities of every item from a model that never saw it (3 folds),
    so the risk models learn from category guesses as good as those at prediction time."""
    from sklearn.model_selection import KFold

    rel = np.array([bool(it["relevant"]) for it in items])
    cats = np.array([it["category"] for it in items], dtype=object)
    labels = sorted(set(cats[rel]))
    out = np.zeros((len(items), len(labels)))
    if len(labels) < 2:
        out[:, :] = 1.0 / max(len(labels), 1)
        return out, labels
    for tr, te in KFold(n_splits=3, shuffle=True, random_state=0).split(x):
        tr = tr[rel[tr]]
        m = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="lbfgs")
        m.fit(x[tr], cats[tr])
        cols = [labels.index(str(k)) for k in m.classes_]
        out[np.ix_(te, cols)] = m.predict_proba(x[te])
    return out, labels


def _with_cues(
    x: sp.csr_matrix, cue_x: sp.csr_matrix, weight: float, cat_proba: np.ndarray | None
) -> sp.csr_matrix:
    """x, the weighted cues, and (when given) every cue times every category probability."""
    parts = [x, cue_x * weight]
    if cat_proba is not None:
        dense = cue_x.toarray()
        inter = (cat_proba[:, :, None] * dense[:, None, :]).reshape(x.shape[0], -1)
        parts.append(sp.csr_matrix(inter * weight))
    return sp.hstack(parts, format="csr", dtype=np.float64)


def _cue_terms(cues: CueFeatures | None, categories: list[str]) -> np.ndarray:
    """Explanation terms of the cue columns (in the order _with_cues appends them)."""
    if cues is None:
        return np.array([], dtype=object)
    names = [str(n) for n in cues.get_feature_names_out()]
    inter = [
        f"{n}·{GROUP_LABELS.get('cat:' + c, '其他')}" for c in categories for n in names
    ]
    return np.array(names + inter, dtype=object)


def _weights(clf: Any) -> np.ndarray | None:
    """(n_classes, n_features) weights: binary models get -w for class 0 and w for class 1."""
    coef = getattr(clf, "coef_", None)
    if coef is None:
        return None
    coef = np.asarray(coef)
    if coef.shape[0] == 1:
        return np.vstack([-coef[0], coef[0]])
    return coef


class Classifier:
    """Applies a trained bundle to raw texts. Picklable (no jieba or OpenCC state inside)."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        if bundle.get("format") != FORMAT:
            raise ValueError(f"unsupported model format {bundle.get('format')!r}")
        self.bundle = bundle
        self.params: dict[str, Any] = bundle["params"]
        self.features: FeatureUnion = bundle["features"]
        self.pipelines: dict[str, Pipeline] = bundle["pipelines"]
        self.terms: np.ndarray = bundle["terms"]
        self._w = {t: _weights(pl.named_steps["clf"]) for t, pl in self.pipelines.items()}
        self.cues: CueFeatures | None = bundle.get("risk_cues")
        self.cue_categories: list[str] = list(bundle.get("risk_cue_categories") or [])

    @property
    def model_version(self) -> str:
        return str(self.bundle.get("version") or "")

    def _clf(self, task: str) -> Any:
        return self.pipelines[task].named_steps["clf"]

    def predict(
        self, texts: Sequence[str], titles: Sequence[str | None] | None = None, batch_size: int = 2000
    ) -> list[Prediction]:
        """Label raw texts (any script, with emoji/URLs/@ as crawled). One Prediction each."""
        texts = [t if isinstance(t, str) else "" for t in texts]
        if titles is not None:
            titles = [h if isinstance(h, str) else "" for h in titles]
            if len(titles) != len(texts):
                raise ValueError(f"got {len(texts)} texts but {len(titles)} titles")
        out: list[Prediction] = []
        for start in range(0, len(texts), batch_size):
            chunk = list(texts[start : start + batch_size])
            tchunk = list(titles[start : start + batch_size]) if titles is not None else None
            out.extend(self._predict_batch(chunk, tchunk))
        return out

    def _predict_batch(self, texts: list[str], titles: list[str] | None) -> list[Prediction]:
        n = len(texts)
        if n == 0:
            return []
        norm = prepare(texts, titles)
        raw = [join_title(t, h) for t, h in zip(texts, titles or [""] * n, strict=True)]
        x = self.features.transform(norm).tocsr()
        p = self.params

        tasks = [t for t in TASKS if t in self.pipelines]
        probs = {t: self._clf(t).predict_proba(x) for t in tasks if t not in RISK_TASKS}
        classes = {t: list(self._clf(t).classes_) for t in tasks}
        x_risk = self._risk_matrix(x, norm, probs["category"], classes["category"])
        probs |= {t: self._clf(t).predict_proba(x_risk) for t in tasks if t in RISK_TASKS}

        rel_p = prob_of(probs["relevant"], classes["relevant"], True)
        relevant = rel_p >= p["relevant_threshold"]
        rumor_p = prob_of(probs["rumor"], classes["rumor"], True)
        rumor = rumor_p >= p["rumor_threshold"]

        cat_idx = probs["category"].argmax(axis=1)
        risk_levels = [int(c) for c in classes["risk"]]
        p_high = (
            combine_high(
                prob_of(probs["risk_high"], classes["risk_high"], True),
                (probs["risk"], [int(c) for c in classes["risk"]]),
            )
            if "risk_high" in probs
            else None
        )
        if p_high is not None and p.get("risk_joint_relevance", False):
            p_high = rel_p * p_high
        risk_pred, risk_idx = decide_risk(probs["risk"], risk_levels, p["risk_ge2_threshold"], p_high)
        sent_idx = probs["sentiment"].argmax(axis=1)

        chosen = {
            "relevant": np.array([classes["relevant"].index(bool(r)) if bool(r) in classes["relevant"] else 0 for r in relevant]),
            "category": cat_idx,
            "risk": risk_idx,
            "rumor": np.array([classes["rumor"].index(bool(r)) if bool(r) in classes["rumor"] else 0 for r in rumor]),
        }
        contrib = {
            t: self._contributions(x_risk if t in RISK_TASKS else x, t, idx)
            for t, idx in chosen.items()
        }

        preds: list[Prediction] = []
        for i in range(n):
            is_rel = bool(relevant[i])
            scores = {
                "relevant": round(float(rel_p[i]), 4),
                "category": _dist(classes["category"], probs["category"][i]),
                "risk": _dist([str(c) for c in risk_levels], probs["risk"][i]),
                "risk_ge2": round(float(p_high[i]), 4) if p_high is not None else None,
                "rumor_suspected": round(float(rumor_p[i]), 4),
                "sentiment": _dist(classes["sentiment"], probs["sentiment"][i]),
            }
            tasks_to_explain = ["relevant"]
            if is_rel:
                tasks_to_explain += ["category", "risk"]
            if rumor[i]:
                tasks_to_explain.append("rumor")
            explanation = self._explain(i, x, contrib, tasks_to_explain, x_risk)
            preds.append(
                Prediction(
                    relevant=is_rel,
                    category=str(classes["category"][cat_idx[i]]) if is_rel else "none",
                    risk=int(risk_pred[i]) if is_rel else 0,
                    rumor_suspected=bool(rumor[i]),
                    sentiment=str(classes["sentiment"][sent_idx[i]]),
                    scores=scores,
                    explanation=explanation,
                    district=find_district(norm[i]),
                    script=detect_script(raw[i]),
                    model_version=self.model_version,
                )
            )
        return preds

    def _risk_matrix(
        self, x: sp.csr_matrix, norm: list[str], cat_p: np.ndarray, cat_classes: list[Any]
    ) -> sp.csr_matrix:
        """The matrix the risk models read: x plus cues (and cue x category) when trained so."""
        if self.cues is None:
            return x
        cat_proba = None
        if self.cue_categories:
            cat_proba = np.zeros((x.shape[0], len(self.cue_categories)))
            for k, c in enumerate(cat_classes):
                if str(c) in self.cue_categories:
                    cat_proba[:, self.cue_categories.index(str(c))] = cat_p[:, k]
        return _with_cues(x, self.cues.transform(norm), float(self.params["risk_cue_weight"]), cat_proba)

    def _contributions(self, x: sp.csr_matrix, task: str, chosen: np.ndarray) -> np.ndarray | None:
        """x_ij * w[chosen class of row i, j] for every stored entry of x (vectorized)."""
        w = self._w.get(task)
        if w is None:
            return None
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        return x.data * w[chosen[rows], x.indices]

    def _explain(
        self,
        i: int,
        x_shared: sp.csr_matrix,
        contrib: dict[str, np.ndarray | None],
        tasks: list[str],
        x_risk: sp.csr_matrix | None = None,
    ) -> list[dict[str, Any]]:
        top = int(self.params.get("explain_top", 5))
        out: list[dict[str, Any]] = []
        for task in tasks:
            x = x_risk if task in RISK_TASKS and x_risk is not None else x_shared
            s, e = x.indptr[i], x.indptr[i + 1]
            c = contrib.get(task)
            if c is None or e == s:
                continue
            seg = c[s:e]
            k = min(top * 3, seg.size)
            idx = np.argpartition(-seg, k - 1)[:k] if seg.size > k else np.arange(seg.size)
            idx = idx[np.argsort(-seg[idx])]
            seen: set[str] = set()
            picked: list[dict[str, Any]] = []
            singles: list[dict[str, Any]] = []
            for j in idx:
                if seg[j] <= 0:
                    break
                term = str(self.terms[x.indices[s + j]]).strip(_EDGE_PUNCT)
                if not term or term in seen:
                    continue
                seen.add(term)
                entry = {"term": term, "weight": round(float(seg[j]), 4), "task": task}
                # Single characters explain little to a duty officer: shown only
                # when longer terms do not fill the list.
                (singles if len(term) == 1 else picked).append(entry)
            out.extend((picked + singles)[:top])
        return out


def _dist(classes: Sequence[Any], row: np.ndarray) -> dict[str, float]:
    return {str(c): round(float(v), 4) for c, v in zip(classes, row, strict=True)}
