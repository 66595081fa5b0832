"""Analyst screens: relabel an item, the labeled items, the model registry actions."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from store import StoreError

from .auth import role_required
from .context import get_services, get_store
from .labels import CATEGORY_LABELS, SENTIMENT_LABELS
from .timeutil import format_local

bp = Blueprint("analyst", __name__)
LABELED_SHOWN = 500


class LabelError(ValueError):
    pass


def parse_label(form: Any) -> dict[str, Any]:
    """The relabel form -> an analyst label with the classifier's keys and vocabulary."""
    relevant = {"1": True, "0": False}.get(form.get("relevant", ""))
    if relevant is None:
        raise LabelError("请选择该信息是否相关。")
    category = form.get("category", "")
    if category not in CATEGORY_LABELS:
        raise LabelError("请选择类别。")
    if not relevant:
        category = "none"  # the taxonomy reserves 'none' for irrelevant items
    elif category == "none":
        raise LabelError("相关信息请选择具体类别（不能选“无关”）。")
    risk_raw = form.get("risk", "")
    if risk_raw not in ("0", "1", "2", "3"):
        raise LabelError("请选择风险等级（0–3）。")
    rumor = {"1": True, "0": False}.get(form.get("rumor_suspected", "0"))
    if rumor is None:
        raise LabelError("“疑似谣言”取值不正确。")
    sentiment = form.get("sentiment", "")
    if sentiment not in SENTIMENT_LABELS:
        raise LabelError("请选择情感倾向。")
    return {
        "relevant": relevant,
        "category": category,
        "risk": int(risk_raw),
        "rumor_suspected": rumor,
        "sentiment": sentiment,
    }


@bp.route("/items/<item_id>/label", methods=["POST"])
@role_required("analyst")
def relabel(item_id: str) -> Any:
    store = get_store()
    item = store.get_item(item_id)
    if item is None:
        abort(404)
    try:
        label = parse_label(request.form)
        store.set_analyst_label(item_id, label, current_user.username)
    except (LabelError, StoreError) as exc:
        # Re-render with what the analyst chose so nothing has to be entered again.
        return render_template(
            "item_detail.html",
            item=item,
            original=store.get_item(item.duplicate_of) if item.duplicate_of else None,
            trail=store.audit_log(target_type="item", target_id=item.id),
            event=store.get_event(item.event_id) if item.event_id else None,
            label_error=str(exc),
            label_form=request.form,
        ), 400
    flash("标注已保存。", "success")
    return redirect(url_for("items.detail", item_id=item_id))


@bp.route("/labels")
@role_required("analyst")
def labeled() -> Any:
    items = get_store().labeled_items()
    items.sort(key=lambda i: (i.labeled_at is not None, i.labeled_at), reverse=True)
    return render_template("labels.html", items=items[:LABELED_SHOWN], total=len(items))


def model_row(meta: dict[str, Any], tz: str) -> dict[str, Any]:
    """A registry entry -> what the model table shows.

    The registry keeps headline figures under metrics.overall (nlp.evaluate.headline);
    flat metrics dicts are shown as they are. Only numbers are shown: per-class tables
    belong to `yuqing models` on the command line.
    """
    metrics = meta.get("metrics") or {}
    if isinstance(metrics, dict) and isinstance(metrics.get("overall"), dict):
        metrics = metrics["overall"]
    shown = []
    if isinstance(metrics, dict):
        shown = [(k, v) for k, v in metrics.items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool)]
    counts = meta.get("counts") if isinstance(meta.get("counts"), dict) else {}
    created = meta.get("created_at") or meta.get("trained_at")
    if isinstance(created, str):
        with contextlib.suppress(ValueError):  # else show the registry's own text
            created = format_local(datetime.fromisoformat(created), tz)
    return {
        "version": meta.get("version"),
        "active": bool(meta.get("active")),
        "created": created or "—",
        "train": counts.get("train", meta.get("n_train")),
        "extra": counts.get("train_extra"),
        "metrics": shown,
    }


@bp.route("/models")
@role_required("analyst")
def models() -> Any:
    services = get_services()
    rows: list[dict[str, Any]] = []
    error = None
    if services.list_models is not None:
        try:
            tz = current_app.config["TIMEZONE"]
            rows = [model_row(m, tz) for m in services.list_models()]
            rows.reverse()  # newest first
        except Exception as exc:  # the registry is another package: show, don't crash
            current_app.logger.exception("list_models failed")
            error = f"读取模型列表失败：{exc}"
    return render_template("models.html", rows=rows, services=services, error=error)


def _run(name: str, call: Any, *args: Any) -> tuple[bool, Any]:
    """Call a registry action; on failure flash its message. Returns (ok, result)."""
    if call is None:
        flash("该功能未配置，暂不可用。", "error")
        return False, None
    try:
        result = call(*args)
    except Exception as exc:  # report the registry's own message to the analyst
        current_app.logger.exception("%s failed", name)
        flash(f"操作失败：{exc}", "error")
        return False, None
    current_app.logger.info("%s by %s -> %s", name, current_user.username, result)
    return True, result


@bp.route("/models/retrain", methods=["POST"])
@role_required("analyst")
def retrain() -> Any:
    ok, version = _run("retrain", get_services().retrain)
    if ok:
        flash(f"重新训练：{version or '已完成'}。", "success")
    return redirect(url_for("analyst.models"))


@bp.route("/models/activate", methods=["POST"])
@role_required("analyst")
def activate() -> Any:
    version = request.form.get("version", "").strip()
    if not version:
        flash("请指定要启用的模型版本。", "error")
    elif _run("activate_model", get_services().activate_model, version)[0]:
        flash(f"已启用模型 {version}。", "success")
    return redirect(url_for("analyst.models"))


@bp.route("/models/rollback", methods=["POST"])
@role_required("analyst")
def rollback() -> Any:
    ok, result = _run("rollback_model", get_services().rollback_model)
    if ok:
        suffix = f"：{result}" if isinstance(result, str) else ""
        flash(f"已回滚到上一版本{suffix}。", "success")
    return redirect(url_for("analyst.models"))
