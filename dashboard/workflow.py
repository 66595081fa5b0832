"""The alert handling workflow: which action is allowed in which state.

new 待处理 -> acknowledged 已确认 -> handling 处置中 -> closed 已办结.
Handling may start without a separate acknowledgement, a false alarm may be closed at
once (with a note saying why), a handling alert may be handed to another officer, and
closed is final. Notes may be added in any state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store import Alert

from .labels import STATUS_LABELS

MAX_NOTE_CHARS = 2000

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "acknowledge": (frozenset({"new"}), "acknowledged"),
    "handle": (frozenset({"new", "acknowledged", "handling"}), "handling"),
    "close": (frozenset({"new", "acknowledged", "handling"}), "closed"),
    "note": (frozenset({"new", "acknowledged", "handling", "closed"}), None),
}
ACTION_NAMES = {"acknowledge": "确认", "handle": "处置", "close": "办结", "note": "添加备注"}
DONE_MESSAGES = {"acknowledge": "已确认。", "handle": "已开始处置。", "close": "已办结。",
                 "note": "备注已保存。"}
# How an alert audit entry reads, by the status it moved to.
ACTION_BY_STATUS = {"acknowledged": "确认", "handling": "开始处置", "closed": "办结"}


class WorkflowError(Exception):
    """The action is not allowed; the message tells the duty officer why, in Chinese."""


@dataclass
class Step:
    changes: dict[str, Any]
    note: str | None
    new_status: str | None


def plan(alert: Alert, action: str, actor: str, assignee: str | None, note: str | None) -> Step:
    """Check an action against the alert's state and return the changes to apply."""
    if action not in TRANSITIONS:
        raise WorkflowError("未知的操作。")
    allowed_from, target = TRANSITIONS[action]
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE_CHARS:
        raise WorkflowError(f"备注过长（{len(note)} 字），请控制在 {MAX_NOTE_CHARS} 字以内。")
    current = STATUS_LABELS.get(alert.status, alert.status)
    if alert.status not in allowed_from:
        raise WorkflowError(f"当前状态为“{current}”，不能执行“{ACTION_NAMES[action]}”。")
    changes: dict[str, Any] = {}
    if action == "handle":
        who = (assignee or "").strip() or actor
        if alert.status == "handling" and who == alert.assignee:
            raise WorkflowError(f"该预警已由 {who} 处置中；如需转交，请选择其他处置人。")
        changes["assignee"] = who
    if action == "close" and not note:
        raise WorkflowError("办结时必须填写办结说明。")
    if action == "note" and not note:
        raise WorkflowError("备注内容不能为空。")
    if target is not None and target != alert.status:
        changes["status"] = target
    return Step(changes=changes, note=note, new_status=target if "status" in changes else None)
