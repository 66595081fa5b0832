"""Chinese display names for labels and alert statuses, and the effective labels of an item
(an analyst's label wins over the model's). The label vocabulary itself is nlp.taxonomy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nlp import taxonomy
from store import Item

# One dict with the taxonomy: `c in CATEGORIES`, CATEGORIES.get(c) and iteration in taxonomy order.
CATEGORIES: dict[str, str] = taxonomy.CATEGORY_NAMES
RISK_NAMES: dict[int, str] = {level: taxonomy.risk_name_with_colour(level) for level in taxonomy.RISK_NAMES}
ALERT_STATUS_NAMES: dict[str, str] = {
    "new": "待处理",
    "acknowledged": "已确认",
    "handling": "处置中",
    "closed": "已办结",
}


def category_name(category: str | None) -> str:
    if not category:
        return "未分类"
    return CATEGORIES.get(category, category)


def risk_name(risk: int | None) -> str:
    return RISK_NAMES.get(int(risk or 0), str(risk))


def status_name(status: str) -> str:
    return ALERT_STATUS_NAMES.get(status, status)


def effective_labels(item: Item) -> dict[str, Any]:
    """relevant / category / risk / rumor_suspected, analyst's label first.

    An analyst's correction must change what alerts see, not only the next model.
    """
    labels: dict[str, Any] = {
        "relevant": item.relevant,
        "category": item.category,
        "risk": item.risk,
        "rumor_suspected": item.rumor_suspected,
    }
    for key, value in (item.analyst_label or {}).items():
        if key in labels and value is not None:
            labels[key] = value
    labels["risk"] = int(labels["risk"] or 0)
    labels["relevant"] = bool(labels["relevant"])
    labels["rumor_suspected"] = bool(labels["rumor_suspected"])
    return labels


def item_time(item: Item) -> datetime:
    """When the item happened: its publication time, else when we fetched it."""
    return item.published_at or item.fetched_at
