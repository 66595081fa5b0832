"""Analyst screens: relabel an item, the labeled items, the model registry actions."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from store import StoreError, model_change

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
    trail = get_store().audit_log(target_type="model", limit=50)
    return render_template("models.html", rows=rows, services=services, error=error, trail=trail)


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


def _active_version() -> str | None:
    """The version the registry has active now, or None when it cannot say."""
    list_models = get_services().list_models
    if list_models is None:
        return None
    try:
        return next((str(m.get("version")) for m in list_models() if m.get("active")), None)
    except Exception:  # the registry is another package; the audit entry just lacks "before"
        current_app.logger.exception("list_models failed")
        return None


def _audit_model(action: str, before: str | None, version: Any, note: str | None = None) -> None:
    """Model changes belong in the audit trail with everything else an analyst changes.
    The change itself has happened: a store that is down only costs the entry (logged)."""
    version = version if isinstance(version, str) and version else None
    try:
        get_store().append_audit(model_change(action, current_user.username, version, before, note))
    except Exception:
        current_app.logger.exception("audit entry for %s failed", action)
        flash("操作已完成，但未能写入操作记录。", "error")


@bp.route("/models/retrain", methods=["POST"])
@role_required("analyst")
def retrain() -> Any:
    before = _active_version()
    ok, version = _run("retrain", get_services().retrain)
    if ok:
        # training runs in the background: the registry's answer is a message, and the
        # new version is recorded by the trainer when it is done
        _audit_model("retrain", before, None, note=str(version) if version else None)
        flash(f"重新训练：{version or '已完成'}。", "success")
    return redirect(url_for("analyst.models"))


@bp.route("/models/activate", methods=["POST"])
@role_required("analyst")
def activate() -> Any:
    version = request.form.get("version", "").strip()
    if not version:
        flash("请指定要启用的模型版本。", "error")
    else:
        before = _active_version()
        if _run("activate_model", get_services().activate_model, version)[0]:
            _audit_model("activate_model", before, version)
            flash(f"已启用模型 {version}。", "success")
    return redirect(url_for("analyst.models"))


@bp.route("/models/rollback", methods=["POST"])
@role_required("analyst")
def rollback() -> Any:
    before = _active_version()
    ok, result = _run("rollback_model", get_services().rollback_model)
    if ok:
        _audit_model("rollback_model", before, result)
        suffix = f"：{result}" if isinstance(result, str) else ""
        flash(f"已回滚到上一版本{suffix}。", "success")
    return redirect(url_for("analyst.models"))
