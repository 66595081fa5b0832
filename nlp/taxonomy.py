"""The label vocabulary of the classifier (/work/shared/taxonomy.md): machine names and Chinese names.

nlp owns the label contract, so the packages that show labels to people (alerts,
dashboard) take the Chinese names from here instead of keeping their own copies.
Machine names are stable everywhere (store, models, rules files); only the Chinese
names are for display. Dicts keep the order of taxonomy.md.
"""

from __future__ import annotations

CATEGORY_NAMES: dict[str, str] = {
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
    "none": "无关",  # relevant=false
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_NAMES)

# Risk is stored as the level number; the machine names are taxonomy.md's.
RISK_LEVELS: dict[int, str] = {0: "none", 1: "watch", 2: "warning", 3: "urgent"}
RISK_NAMES: dict[int, str] = {0: "无", 1: "关注", 2: "预警", 3: "紧急"}
# The warning colour of each level (the colour scheme of Chinese early warnings); none for 0.
RISK_COLOURS: dict[int, str] = {0: "", 1: "蓝", 2: "黄/橙", 3: "红"}

SENTIMENT_NAMES: dict[str, str] = {"negative": "负面", "neutral": "中性", "positive": "正面"}
SENTIMENTS: tuple[str, ...] = tuple(SENTIMENT_NAMES)


def risk_name_with_colour(level: int) -> str:
    """'预警(黄/橙)': the level's name and its colour, for text without colour (mail, CLI)."""
    colour = RISK_COLOURS.get(level, "")
    name = RISK_NAMES.get(level, str(level))
    return f"{name}({colour})" if colour else name
