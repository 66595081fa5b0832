"""Chinese display names for the label vocabulary (/work/shared/taxonomy.md) and the
effective labels of an item (an analyst's label wins over the model's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store import Item

CATEGORIES: dict[str, str] = {
    "domestic_violence": "家庭暴力",
    "sexual_violence": "性侵害/性骚扰",
    "trafficking_missing": "拐卖/失踪",
    "child_abuse_neglect": "虐童/监护缺失",
    "school_safety": "校园安全/欺凌",
    "discrimination_rights": "歧视/权益",
    "marriage_family": "婚恋家庭纠纷",
    "health_safety": "妇幼健康安全",
    "online_harm": "网络侵害",
    "other": "其他",
    "none": "无关",
}
RISK_NAMES: dict[int, str] = {0: "无", 1: "关注(蓝)", 2: "预警(黄/橙)", 3: "紧急(红)"}
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
