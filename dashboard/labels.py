"""Chinese display names for the machine vocabulary the dashboard shows (taxonomy: nlp.taxonomy).

The store and the models speak machine names; only the UI translates them, so the
names stay stable everywhere else.
"""

from __future__ import annotations

from typing import Any

from nlp import taxonomy

# The label vocabulary (categories, risk levels, sentiment) belongs to nlp.taxonomy.
RISK_LABELS = taxonomy.RISK_NAMES
RISK_COLOURS = taxonomy.RISK_COLOURS
CATEGORY_LABELS = taxonomy.CATEGORY_NAMES
SENTIMENT_LABELS = taxonomy.SENTIMENT_NAMES
STATUS_LABELS = {
    "new": "待处理",
    "acknowledged": "已确认",
    "handling": "处置中",
    "closed": "已办结",
}
ROLE_LABELS = {"admin": "管理员", "duty": "值班员", "analyst": "分析员"}
EVENT_STATUS_LABELS = {"open": "进行中", "closed": "已结束"}
SCRIPT_LABELS = {"simplified": "简体", "traditional": "繁体"}
# Crawler source kinds (crawlers/config.py KINDS) plus the pipeline's fallback and test kinds.
SOURCE_TYPE_LABELS = {
    "rss": "RSS 订阅",
    "html": "网页",
    "json_api": "数据接口",
    "sitemap": "站点地图",
    "search": "搜索",
    "web": "网页",
    "news": "新闻",
    "social": "社交媒体",
    "forum": "论坛",
}
TARGET_LABELS = {"item": "信息", "alert": "预警", "event": "事件", "user": "用户", "source": "来源",
                 "model": "模型"}

# Field names that may appear in audit before/after dicts.
FIELD_LABELS = {
    "status": "状态",
    "assignee": "处置人",
    "notified": "已通知",
    "handling_status": "处置状态",
    "analyst_label": "分析员标注",
    "relevant": "相关",
    "category": "类别",
    "risk": "风险等级",
    "rumor_suspected": "疑似谣言",
    "sentiment": "情感",
    "role": "角色",
    "active": "启用",
    "password_hash": "密码",
    "display_name": "姓名",
    "username": "用户名",
    "event_id": "事件",
    "version": "模型版本",
    "labeled_by": "标注人",
    "labeled_at": "标注时间",
    "spread_count": "传播次数",
}

# Audit actions written by this dashboard or, by their likely names, by the store.
ACTION_LABELS = {
    "acknowledge": "确认",
    "handle": "开始处置",
    "close": "办结",
    "note": "备注",
    "update": "更新",
    "update_alert": "更新预警",
    "set_handling_status": "更改处置状态",
    "handling_status": "更改处置状态",
    "set_analyst_label": "分析员标注",
    "analyst_label": "分析员标注",
    "label": "分析员标注",
    "add_user": "新增用户",
    "create_user": "新增用户",
    "create": "新增",
    "update_user": "修改用户",
    "login_locked": "登录锁定",
    "retrain": "重新训练",
    "train_model": "训练完成",
    "train_failed": "训练失败",
    "activate_model": "启用模型",
    "rollback_model": "回滚模型",
}

METRIC_LABELS = {
    "accuracy": "准确率",
    "precision": "精确率",
    "recall": "召回率",
    "f1": "F1 值",
    "macro_f1": "宏平均 F1",
    "f1_macro": "宏平均 F1",
    "relevant_f1": "相关性 F1",
    "category_f1": "类别 F1",
    "category_macro_f1": "类别宏平均 F1",
    "risk_f1": "风险 F1",
    "risk_macro_f1": "风险宏平均 F1",
    "rumor_f1": "谣言 F1",
    "sentiment_f1": "情感 F1",
    "n_train": "训练样本数",
    "n_test": "测试样本数",
    "n": "评估样本数",
    "relevance_f1": "相关性 F1",
    "risk_ge2_f1": "风险≥预警 F1",
    "risk3_recall_ge2": "紧急信息检出率",
    "risk3_n": "紧急样本数",
    "sentiment_macro_f1": "情感宏平均 F1",
}

SORT_OPTIONS = {
    "published_desc": ("最新发布", [("published_at", "desc")]),
    "published_asc": ("最早发布", [("published_at", "asc")]),
    "risk_desc": ("风险最高", [("risk", "desc"), ("published_at", "desc")]),
    "reposts_desc": ("转发最多", [("reposts", "desc"), ("published_at", "desc")]),
    "comments_desc": ("评论最多", [("comments", "desc"), ("published_at", "desc")]),
    "fetched_desc": ("最新采集", [("fetched_at", "desc")]),
}


def risk_label(risk: int | None) -> str:
    if risk is None:
        return "未评估"
    return RISK_LABELS.get(int(risk), str(risk))


def yes_no(value: bool | None) -> str:
    if value is None:
        return "未知"
    return "是" if value else "否"


def display_value(key: str, value: Any) -> str:
    """One audit or label value in Chinese, whatever field it belongs to."""
    if value is None:
        return "（空）"
    if key == "password_hash":
        return "（已更改）"
    if key in ("status", "handling_status"):
        return STATUS_LABELS.get(str(value), EVENT_STATUS_LABELS.get(str(value), str(value)))
    if key == "risk":
        return risk_label(value)
    if key == "category":
        return CATEGORY_LABELS.get(str(value), str(value))
    if key == "sentiment":
        return SENTIMENT_LABELS.get(str(value), str(value))
    if key == "role":
        return ROLE_LABELS.get(str(value), str(value))
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, dict):
        return "；".join(f"{FIELD_LABELS.get(k, k)}：{display_value(k, v)}" for k, v in value.items())
    return str(value)
