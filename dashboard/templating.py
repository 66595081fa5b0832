"""Jinja filters and globals: Chinese labels, local times, safe links."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_login import current_user
from markupsafe import Markup, escape

from . import labels
from .timeutil import format_local
from .workflow import ACTION_BY_STATUS


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are shown as links: a crawled `javascript:` URL must never be one."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def explanation_rows(explanation: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    """(term, weight) pairs from the model's explanation, whatever key names it uses."""
    rows: list[tuple[str, str]] = []
    for entry in explanation or []:
        if not isinstance(entry, dict):
            rows.append((str(entry), ""))
            continue
        term = next((entry[k] for k in ("term", "token", "feature", "word", "text") if k in entry), None)
        weight = next((entry[k] for k in ("weight", "score", "contribution", "value") if k in entry), None)
        if term is None:
            term = "，".join(f"{k}={v}" for k, v in entry.items())
        if isinstance(weight, float):
            weight = f"{weight:+.3f}"
        label = entry.get("label") or entry.get("target")
        text = str(term)
        if label:
            text = f"{text}（{labels.CATEGORY_LABELS.get(str(label), str(label))}）"
        rows.append((text, "" if weight is None else str(weight)))
    return rows


def alert_action_label(entry: Any) -> str:
    """An audit entry's action in Chinese; alert updates are named by what they did."""
    if entry.action == "update_alert":
        after = entry.after or {}
        if "status" in after:
            return ACTION_BY_STATUS.get(after["status"], "更新预警")
        if "assignee" in after:
            return "转交处置"
        if not after and not entry.before:
            return "添加备注"
    return labels.ACTION_LABELS.get(entry.action, entry.action)


def highlight(text: str | None, query: str | None, limit: int | None = None) -> Markup:
    """Crawled text with the search words marked.

    The text is escaped first and only <mark> tags are added around escaped words, so
    hostile markup in the text stays inert.
    """
    text = text or ""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    escaped = str(escape(text))
    words = sorted({str(escape(w)) for w in (query or "").split() if w.strip()}, key=len, reverse=True)
    if not words:
        return Markup(escaped)
    pattern = re.compile("|".join(re.escape(w) for w in words[:10]), re.IGNORECASE)
    return Markup(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))


def has_role(*roles: str) -> bool:
    """Admin may do everything; others only what their role lists."""
    if not current_user.is_authenticated:
        return False
    return current_user.role == "admin" or current_user.role in roles


def init_app(app: Flask) -> None:
    def _local(value: datetime | None, with_seconds: bool = False) -> str:
        return format_local(value, current_app.config["TIMEZONE"], with_seconds)

    app.jinja_env.filters.update(
        localtime=_local,
        risk_label=labels.risk_label,
        status_label=lambda s: labels.STATUS_LABELS.get(s, s or "—"),
        category_label=lambda c: labels.CATEGORY_LABELS.get(c, c) if c else "—",
        sentiment_label=lambda s: labels.SENTIMENT_LABELS.get(s, s) if s else "—",
        role_label=lambda r: labels.ROLE_LABELS.get(r, r),
        event_status_label=lambda s: labels.EVENT_STATUS_LABELS.get(s, s),
        source_type_label=lambda t: labels.SOURCE_TYPE_LABELS.get(t, t),
        script_label=lambda s: labels.SCRIPT_LABELS.get(s, s),
        target_label=lambda t: labels.TARGET_LABELS.get(t, t),
        action_label=lambda a: labels.ACTION_LABELS.get(a, a),
        field_label=lambda f: labels.FIELD_LABELS.get(f, f),
        yes_no=labels.yes_no,
        rule_label=lambda r: current_app.config.get("RULE_NAMES", {}).get(r, r),
        metric_label=lambda k: labels.METRIC_LABELS.get(k, k),
        safe_url=safe_url,
        num=lambda n: "—" if n is None else f"{n:,}",
    )
    app.jinja_env.globals.update(
        has_role=has_role,
        highlight=highlight,
        alert_action_label=alert_action_label,
        display_value=labels.display_value,
        explanation_rows=explanation_rows,
        L=labels,
    )
