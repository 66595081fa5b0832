"""Excel export of an item search, with Chinese headers.

Crawled text is hostile here too: a title starting with '=' must stay text, not become a
formula that runs when an officer opens the file, and control characters that Excel
cannot store are dropped instead of failing the whole export.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from store import Item

from .labels import (
    CATEGORY_LABELS,
    SENTIMENT_LABELS,
    SOURCE_TYPE_LABELS,
    STATUS_LABELS,
    risk_label,
    yes_no,
)
from .timeutil import format_local

HEADERS = [
    "标题", "来源", "来源类型", "作者", "发布时间", "采集时间", "是否相关", "类别", "风险等级",
    "疑似谣言", "情感", "地区", "转发", "评论", "点赞", "传播次数", "处置状态", "分析员标注",
    "模型版本", "链接", "正文摘要",
]
WIDTHS = [40, 14, 10, 14, 17, 17, 8, 14, 8, 8, 6, 10, 8, 8, 8, 8, 8, 24, 14, 40, 60]
EXCERPT_CHARS = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _label_summary(item: Item) -> str:
    label = item.analyst_label or {}
    if not label:
        return ""
    parts = []
    if "relevant" in label:
        parts.append("相关" if label["relevant"] else "无关")
    if label.get("category"):
        parts.append(CATEGORY_LABELS.get(label["category"], label["category"]))
    if label.get("risk") is not None:
        parts.append(f"风险{risk_label(label['risk'])}")
    if label.get("rumor_suspected"):
        parts.append("疑似谣言")
    if label.get("sentiment"):
        parts.append(SENTIMENT_LABELS.get(label["sentiment"], label["sentiment"]))
    by = f"（{item.labeled_by}）" if item.labeled_by else ""
    return "、".join(parts) + by


def _row(item: Item, tz: str) -> list[object]:
    return [
        item.title, item.source, SOURCE_TYPE_LABELS.get(item.source_type, item.source_type), item.author or "",
        format_local(item.published_at, tz), format_local(item.fetched_at, tz),
        yes_no(item.relevant), CATEGORY_LABELS.get(item.category or "", item.category or ""),
        risk_label(item.risk), yes_no(item.rumor_suspected),
        SENTIMENT_LABELS.get(item.sentiment or "", item.sentiment or ""), item.district or "",
        item.reposts, item.comments, item.likes, item.spread_count,
        STATUS_LABELS.get(item.handling_status, item.handling_status), _label_summary(item),
        item.model_version or "", item.url, (item.text or "")[:EXCERPT_CHARS],
    ]


def build_workbook(items: Iterable[Item], tz: str) -> bytes:
    # Write-only mode streams rows: thousands of items stay fast and small in memory.
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("信息列表")
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append(HEADERS)
    for item in items:
        ws.append([_cell(ws, _clean(v)) for v in _row(item, tz)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(ws: object, value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # openpyxl writes any string starting with '=' as a formula; force text.
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _clean(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
