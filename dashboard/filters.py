"""Turn query-string filters into store queries, collecting errors for the user.

A bad filter is reported and ignored; the rest of the search still runs and the form
keeps what the user typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from store import ALERT_STATUSES, HANDLING_STATUSES, AlertQuery, ItemQuery

from .labels import CATEGORY_LABELS, SORT_OPTIONS
from .timeutil import parse_local

MAX_TEXT_CHARS = 200


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)  # echoed back into the form
    errors: list[str] = field(default_factory=list)


def _risk(args: MultiDict, parsed: Parsed) -> int | None:
    raw = (args.get("min_risk") or "").strip()
    if not raw:
        return None
    if raw not in ("0", "1", "2", "3"):
        parsed.errors.append("最低风险等级只能是 0–3，已忽略该条件。")
        return None
    return int(raw)


def _times(args: MultiDict, tz: str, parsed: Parsed) -> tuple[Any, Any]:
    out = []
    for key in ("since", "until"):
        try:
            out.append(parse_local(args.get(key), tz))
        except ValueError as exc:
            parsed.errors.append(f"{exc}，已忽略该条件。")
            out.append(None)
    since, until = out
    if since and until and since >= until:
        parsed.errors.append("开始时间必须早于结束时间，已忽略时间范围。")
        return None, None
    return since, until


def _offset(args: MultiDict) -> int:
    try:
        return max(0, min(int(args.get("offset", "0")), 1_000_000))
    except ValueError:
        return 0


def alert_query(
    args: MultiDict, tz: str, size: int = 50, me: str | None = None
) -> tuple[AlertQuery, Parsed]:
    parsed = Parsed()
    status = (args.get("status") or "").strip()
    if status and status not in ALERT_STATUSES:
        parsed.errors.append("未知的状态，已忽略该条件。")
        status = ""
    min_risk = _risk(args, parsed)
    since, until = _times(args, tz, parsed)
    parsed.values = {
        "status": status,
        "min_risk": "" if min_risk is None else str(min_risk),
        "since": (args.get("since") or "").strip(),
        "until": (args.get("until") or "").strip(),
        "mine": "1" if me and args.get("mine") == "1" else "",
    }
    query = AlertQuery(
        assignee=me if parsed.values["mine"] else None,
        statuses=[status] if status else [],
        min_risk=min_risk,
        since=since,
        until=until,
        size=size,
        offset=_offset(args),
    )
    return query, parsed


def _csv(raw: str | None) -> list[str]:
    # Chinese users type the full-width comma as often as the ASCII one.
    text = (raw or "").replace("，", ",").replace("、", ",")
    return [part.strip()[:100] for part in text.split(",") if part.strip()][:20]


def item_query(args: MultiDict, tz: str, size: int = 20) -> tuple[ItemQuery, Parsed]:
    parsed = Parsed()
    text = (args.get("q") or "").strip()
    if len(text) > MAX_TEXT_CHARS:
        parsed.errors.append(f"搜索词过长，已截取前 {MAX_TEXT_CHARS} 字。")
        text = text[:MAX_TEXT_CHARS]
    category = (args.get("category") or "").strip()
    if category and category not in CATEGORY_LABELS:
        parsed.errors.append("未知的类别，已忽略该条件。")
        category = ""
    handling = (args.get("handling") or "").strip()
    if handling and handling not in HANDLING_STATUSES:
        parsed.errors.append("未知的处置状态，已忽略该条件。")
        handling = ""
    relevant_raw = (args.get("relevant") or "").strip()
    relevant = {"1": True, "0": False}.get(relevant_raw)
    if relevant_raw and relevant is None:
        parsed.errors.append("“是否相关”取值不正确，已忽略该条件。")
        relevant_raw = ""
    sort_key = (args.get("sort") or "published_desc").strip()
    if sort_key not in SORT_OPTIONS:
        parsed.errors.append("未知的排序方式，已按最新发布排序。")
        sort_key = "published_desc"
    min_risk = _risk(args, parsed)
    since, until = _times(args, tz, parsed)
    sources = _csv(args.get("source"))
    districts = _csv(args.get("district"))
    include_duplicates = args.get("dups") == "1"
    cursor = (args.get("cursor") or "").strip() or None
    parsed.values = {
        "q": text,
        "category": category,
        "handling": handling,
        "relevant": relevant_raw,
        "sort": sort_key,
        "min_risk": "" if min_risk is None else str(min_risk),
        "since": (args.get("since") or "").strip(),
        "until": (args.get("until") or "").strip(),
        "source": "，".join(sources),
        "district": "，".join(districts),
        "dups": "1" if include_duplicates else "",
    }
    query = ItemQuery(
        text=text or None,
        since=since,
        until=until,
        sources=sources,
        categories=[category] if category else [],
        min_risk=min_risk,
        relevant=relevant,
        handling_statuses=[handling] if handling else [],
        districts=districts,
        include_duplicates=include_duplicates,
        sort=list(SORT_OPTIONS[sort_key][1]),
        size=size,
        cursor=cursor,
    )
    return query, parsed
