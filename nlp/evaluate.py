"""Evaluation: per-class reports, confusion matrices and the project's target checks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from nlp.data import CATEGORIES, load_labeled
from nlp.model import Classifier, Prediction

TARGETS = {
    "relevance_f1": 0.90,
    "category_macro_f1": 0.80,
    "risk_ge2_f1": 0.85,
    "risk3_recall_ge2": 0.95,
    "script_gap_max": 0.03,
}

_TASK_FIELDS = {
    "relevant": "relevant",
    "category": "category",
    "risk": "risk",
    "rumor_suspected": "rumor_suspected",
    "sentiment": "sentiment",
}


def _per_class(y_true: list[Any], y_pred: list[Any]) -> dict[str, Any]:
    labels = sorted({str(v) for v in y_true} | {str(v) for v in y_pred})
    t = [str(v) for v in y_true]
    p = [str(v) for v in y_pred]
    prec, rec, f1, sup = precision_recall_fscore_support(t, p, labels=labels, zero_division=0)
    return {
        "labels": labels,
        "per_class": {
            lab: {"precision": float(a), "recall": float(b), "f1": float(c), "support": int(d)}
            for lab, a, b, c, d in zip(labels, prec, rec, f1, sup, strict=True)
        },
        "confusion": _confusion(t, p, labels),
        "accuracy": float(np.mean([a == b for a, b in zip(t, p, strict=True)])) if t else 0.0,
        "macro_f1": float(np.mean(f1)) if len(f1) else 0.0,
    }


def _confusion(t: list[str], p: list[str], labels: list[str]) -> list[list[int]]:
    if len(labels) == 1:  # sklearn warns on a single label; the matrix is just the count
        return [[len(t)]]
    return confusion_matrix(t, p, labels=labels).tolist()


def _binary_f1(y_true: Sequence[bool], y_pred: Sequence[bool]) -> float:
    if not any(y_true) and not any(y_pred):
        return 1.0
    return float(f1_score(list(y_true), list(y_pred), zero_division=0))


def _category_macro_f1(items: Sequence[dict[str, Any]], preds: Sequence[Prediction]) -> float:
    """Macro-F1 over the real categories present (not 'none'), end to end:
    a relevant item predicted irrelevant counts as a miss for its category."""
    t = [it["category"] for it in items]
    p = [pr.category for pr in preds]
    labels = [c for c in CATEGORIES if c in set(t)]
    if not labels:
        return 0.0
    return float(f1_score(t, p, labels=labels, average="macro", zero_division=0))


def headline(items: Sequence[dict[str, Any]], preds: Sequence[Prediction]) -> dict[str, Any]:
    """The target figures for one set of items."""
    rel_t = [bool(it["relevant"]) for it in items]
    rel_p = [pr.relevant for pr in preds]
    hi_t = [int(it["risk"]) >= 2 for it in items]
    hi_p = [pr.risk >= 2 for pr in preds]
    r3 = [pr.risk >= 2 for it, pr in zip(items, preds, strict=True) if int(it["risk"]) == 3]
    return {
        "n": len(items),
        "relevance_f1": _binary_f1(rel_t, rel_p),
        "category_macro_f1": _category_macro_f1(items, preds),
        "risk_ge2_f1": _binary_f1(hi_t, hi_p),
        "risk3_recall_ge2": float(np.mean(r3)) if r3 else None,
        "risk3_n": len(r3),
        "rumor_f1": _binary_f1([bool(it["rumor_suspected"]) for it in items], [pr.rumor_suspected for pr in preds]),
        "sentiment_macro_f1": float(
            f1_score([it["sentiment"] for it in items], [pr.sentiment for pr in preds], average="macro", zero_division=0)
        ) if items else 0.0,
    }


def evaluate(classifier: Classifier, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Full report for labeled items: per task per-class figures and confusion, targets."""
    items = list(items)
    if not items:
        return {"n": 0, "model_version": classifier.model_version, "tasks": {}, "overall": {},
                "by_script": {}, "checks": {}}
    preds = classifier.predict([it["text"] for it in items], [it.get("title") or "" for it in items])
    tasks = {}
    for task, fieldname in _TASK_FIELDS.items():
        y_t = [it[fieldname] for it in items]
        y_p = [getattr(pr, fieldname) for pr in preds]
        tasks[task] = _per_class(y_t, y_p)
    tasks["risk>=2"] = _per_class([int(it["risk"]) >= 2 for it in items], [pr.risk >= 2 for pr in preds])

    overall = headline(items, preds)
    by_script: dict[str, Any] = {}
    for script in ("simplified", "traditional"):
        idx = [i for i, it in enumerate(items) if it.get("script") == script]
        if idx:
            by_script[script] = headline([items[i] for i in idx], [preds[i] for i in idx])
    checks = _checks(overall, by_script)
    return {
        "n": len(items),
        "model_version": classifier.model_version,
        "tasks": tasks,
        "overall": overall,
        "by_script": by_script,
        "checks": checks,
    }


def _checks(overall: dict[str, Any], by_script: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key in ("relevance_f1", "category_macro_f1", "risk_ge2_f1", "risk3_recall_ge2"):
        value = overall.get(key)
        checks[key] = {
            "value": value,
            "target": TARGETS[key],
            "ok": value is not None and value >= TARGETS[key],
        }
    if "simplified" in by_script and "traditional" in by_script:
        for key in ("relevance_f1", "category_macro_f1", "risk_ge2_f1"):
            gap = by_script["simplified"][key] - by_script["traditional"][key]
            checks[f"script_gap_{key}"] = {
                "value": gap,
                "target": TARGETS["script_gap_max"],
                # Traditional doing better than Simplified is no problem.
                "ok": gap <= TARGETS["script_gap_max"],
            }
    return checks


def format_report(report: dict[str, Any]) -> str:
    """Plain-text report: per task the per-class table and the confusion matrix."""
    lines = [f"evaluated {report['n']} items, model {report['model_version'] or '(unsaved)'}", ""]
    for task, r in report["tasks"].items():
        labels = r["labels"]
        width = max([len(x) for x in labels] + [9])
        lines.append(f"== {task} (accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f})")
        lines.append(f"{'class':<{width}}  precision  recall     f1  support")
        for lab in labels:
            pc = r["per_class"][lab]
            lines.append(
                f"{lab:<{width}}  {pc['precision']:9.3f}  {pc['recall']:6.3f}  {pc['f1']:5.3f}  {pc['support']:7d}"
            )
        lines.append("confusion (rows = true, columns = predicted):")
        cw = max(width, 6)
        lines.append(" " * cw + "".join(f"{lab[:10]:>12}" for lab in labels))
        for lab, row in zip(labels, r["confusion"], strict=True):
            lines.append(f"{lab:<{cw}}" + "".join(f"{v:>12d}" for v in row))
        lines.append("")
    lines.append("== targets")
    for key, c in report["checks"].items():
        value = "n/a" if c["value"] is None else f"{c['value']:.3f}"
        cmp = "<=" if key.startswith("script_gap") else ">="
        lines.append(f"{key:<32} {value:>7}  target {cmp} {c['target']:.2f}  {'OK' if c['ok'] else 'MISSED'}")
    for script, h in report["by_script"].items():
        lines.append(
            f"{script:<12} n={h['n']:<5} relevance F1 {h['relevance_f1']:.3f}  category macro-F1 "
            f"{h['category_macro_f1']:.3f}  risk>=2 F1 {h['risk_ge2_f1']:.3f}"
        )
    return "\n".join(lines)


def evaluate_file(classifier: Classifier, path: str | Path) -> dict[str, Any]:
    """evaluate() on a labeled JSONL file (validated; LabeledDataError names bad lines)."""
    return evaluate(classifier, load_labeled([path]))
