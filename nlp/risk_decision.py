"""How "risk >= 2" is decided, and how its threshold is chosen.

The duty screen's question is "does this need a warning?", so it is decided first and
by its own score; the level on each side of that line comes from the 4-level model.
The threshold is chosen at training time from out-of-fold predictions on the training
items: the best F1 of "risk >= 2" among thresholds that keep risk-3 recall at a floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


def prob_of(proba: np.ndarray, classes: list[Any], label: Any) -> np.ndarray:
    """The column of `label` in predict_proba output (zeros when the model never saw it)."""
    if label in classes:
        return proba[:, classes.index(label)]
    return np.zeros(proba.shape[0])


def combine_high(p_bin: np.ndarray, p_multi: tuple[np.ndarray, list[int]] | None) -> np.ndarray:
    """P(risk >= 2): mean of the binary model and P(2) + P(3) of the 4-level model.
    Measured on out-of-fold training predictions: the mean beats either alone at
    every threshold tried (F1 +0.005, same risk-3 recall)."""
    if p_multi is None:
        return p_bin
    proba, levels = p_multi
    high = sum((proba[:, k] for k, lv in enumerate(levels) if lv >= 2), np.zeros(len(p_bin)))
    return (p_bin + high) / 2


def decide_risk(
    proba: np.ndarray, levels: list[int], ge2_threshold: float, p_high: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Ordinal decision: first 'is it >= 2?' (from p_high, else P(2)+P(3)), then the
    level within that side from the 4-level model.

    Returns (levels, column index of the chosen level) per row.
    """
    col = {lv: k for k, lv in enumerate(levels)}
    n = proba.shape[0]

    def pcol(lv: int) -> np.ndarray:
        return proba[:, col[lv]] if lv in col else np.zeros(n)

    high = pcol(2) + pcol(3) if p_high is None else p_high
    is_high = high >= ge2_threshold if (2 in col or 3 in col) else np.zeros(n, bool)
    high_level = np.where(pcol(3) >= pcol(2), 3, 2)
    low_level = np.where(pcol(1) >= pcol(0), 1, 0)
    level = np.where(is_high, high_level, low_level)
    # A level the model never saw cannot be chosen: fall back to the argmax.
    known = np.isin(level, levels)
    argmax_levels = np.array(levels)[proba.argmax(axis=1)]
    level = np.where(known, level, argmax_levels)
    idx = np.array([col[int(lv)] for lv in level])
    return level, idx


def best_threshold(score: np.ndarray, y: np.ndarray, levels: np.ndarray, floor: float) -> float:
    """The threshold with the best F1 of (score >= t) among those keeping risk-3 recall >= floor."""
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.30, 0.71, 0.02):
        pred = score >= t
        tp = np.sum(pred & y)
        f1 = 2 * tp / max(np.sum(pred) + np.sum(y), 1)
        r3 = np.mean(pred[levels == 3]) if np.any(levels == 3) else 1.0
        if r3 >= floor and f1 > best_f1 + 1e-9:
            best, best_f1 = float(t), float(f1)
    return round(best, 2)


def _fit(c: float, x: sp.csr_matrix, y: np.ndarray, weight: np.ndarray | None = None) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="lbfgs")
    return model.fit(x, y, sample_weight=weight)


def tune_threshold(
    x: sp.csr_matrix,
    x_risk: sp.csr_matrix,
    items: Sequence[dict[str, Any]],
    risk_rows: np.ndarray,
    p: dict[str, Any],
) -> float:
    """Threshold of the warning score, from 3-fold out-of-fold predictions.

    `risk_rows` are the items the risk models learn from. With
    p["risk_joint_relevance"] the score is P(relevant) x P(risk >= 2) over all items
    (irrelevant ones count as risk 0, as in the evaluation); without it, P(risk >= 2)
    over the risk rows only.
    """
    joint = bool(p["risk_joint_relevance"])
    rel = np.array([bool(it["relevant"]) for it in items])
    levels = np.array([int(it["risk"]) if it["relevant"] else 0 for it in items])
    y = levels >= 2
    rows = np.arange(len(items)) if joint else np.flatnonzero(risk_rows)
    if min(np.sum(y[rows]), np.sum(~y[rows])) < 3 or len(set(levels[risk_rows])) < 2:
        return 0.5
    weight = None
    if p["risk3_weight"] != 1.0:
        weight = np.where(levels == 3, float(p["risk3_weight"]), 1.0)

    oof = np.zeros(len(items))
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    for tr, te in folds.split(rows, levels[rows] if joint else y[rows]):
        tr, te = rows[tr], rows[te]
        fit_rows = tr[risk_rows[tr]]
        if len(set(y[fit_rows])) < 2 or (joint and len(set(rel[tr])) < 2):
            return 0.5
        m_bin = _fit(p["C"]["risk_high"], x_risk[fit_rows], y[fit_rows],
                     None if weight is None else weight[fit_rows])
        score = prob_of(m_bin.predict_proba(x_risk[te]), list(m_bin.classes_), True)
        if len(set(levels[fit_rows])) >= 2:
            m_multi = _fit(p["C"]["risk"], x_risk[fit_rows], levels[fit_rows])
            score = combine_high(score, (m_multi.predict_proba(x_risk[te]), [int(c) for c in m_multi.classes_]))
        if joint:
            m_rel = _fit(p["C"]["relevant"], x[tr], rel[tr])
            score = prob_of(m_rel.predict_proba(x[te]), list(m_rel.classes_), True) * score
        oof[te] = score
    return best_threshold(oof[rows], y[rows], levels[rows], float(p["risk3_recall_floor"]))
