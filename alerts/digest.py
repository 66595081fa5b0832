"""The daily digest (每日简报): one local day (Asia/Shanghai) in plain text and HTML.

Every crawled value (titles, sources, districts, event titles) is cleaned of control
characters, capped, and HTML-escaped by markupsafe; the finished HTML body then passes
through nh3 with an allow-list as a second line of defence (alerts.html).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from markupsafe import Markup

from store import Alert, AlertQuery, Event, Item, ItemQuery, Store, utcnow

from .html import RISK_COLORS, email_document
from .labels import category_name, risk_name, status_name
from .text import clean_line, clean_subject, safe_url

OPEN_STATUSES = ["new", "acknowledged", "handling"]


@dataclass
class DigestData:
    day: date
    items_total: int
    items_relevant: int
    by_category: list[tuple[str, int]]
    by_risk: list[tuple[str, int]]
    by_district: list[tuple[str, int]]
    new_alerts: list[Alert]
    new_alerts_total: int
    open_alerts: list[Alert]
    open_alerts_total: int
    new_by_risk: dict[int, int]
    open_by_risk: dict[int, int]
    top_events: list[Event]
    awaiting: list[Item]
    awaiting_total: int


@dataclass
class Digest:
    day: date
    subject: str
    text: str
    html: str
    data: DigestData = field(repr=False)

    def write(self, directory: str | Path) -> list[Path]:
        """Keep a copy (digest-YYYY-MM-DD.txt/.html) so nothing is lost when mail fails."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"digest-{self.day.isoformat()}.txt", out / f"digest-{self.day.isoformat()}.html"]
        paths[0].write_text(f"{self.subject}\n\n{self.text}", encoding="utf-8")
        paths[1].write_text(self.html, encoding="utf-8")
        return paths


ZONE_NAMES = {"Asia/Shanghai": "北京时间", "Asia/Hong_Kong": "香港时间", "Asia/Macau": "澳门时间",
              "Asia/Taipei": "台北时间", "UTC": "协调世界时"}


def zone_name(tz: str) -> str:
    """How the digest names its time zone to readers ("北京时间", not "Asia/Shanghai")."""
    return ZONE_NAMES.get(tz, tz)


def previous_local_day(tz: str = "Asia/Shanghai", now: datetime | None = None) -> date:
    return ((now or utcnow()).astimezone(ZoneInfo(tz)) - timedelta(days=1)).date()


def day_bounds(day: date, tz: str = "Asia/Shanghai") -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) as aware datetimes."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def collect(store: Store, day: date, tz: str = "Asia/Shanghai", *, top_n: int = 10) -> DigestData:
    since, until = day_bounds(day, tz)

    def q(**kw: object) -> ItemQuery:
        return ItemQuery(since=since, until=until, size=kw.pop("size", 1), **kw)  # type: ignore[arg-type]

    relevant = q(relevant=True)
    new_alerts, new_total = store.search_alerts(AlertQuery(since=since, until=until, size=200))
    open_alerts, open_total = store.search_alerts(AlertQuery(statuses=OPEN_STATUSES, size=200))
    events = [e for e in store.list_events(limit=500) if e.last_seen >= since and e.first_seen < until]
    events.sort(key=lambda e: (-e.max_risk, -e.item_count, e.id))
    awaiting = store.search_items(ItemQuery(
        relevant=True, min_risk=2, handling_statuses=["new"], size=top_n,
        sort=[("risk", "desc"), ("published_at", "desc")],
    ))
    return DigestData(
        day=day,
        items_total=store.search_items(q()).total,
        items_relevant=store.search_items(relevant).total,
        by_category=store.aggregate_items(relevant, by="category"),
        by_risk=sorted(store.aggregate_items(relevant, by="risk"), key=lambda kv: str(kv[0]), reverse=True),
        by_district=store.aggregate_items(relevant, by="district")[:top_n],
        new_alerts=sorted(new_alerts, key=lambda a: (-a.risk, a.created_at))[:top_n * 2],
        new_alerts_total=new_total,
        open_alerts=sorted(open_alerts, key=lambda a: (-a.risk, a.created_at))[:top_n],
        open_alerts_total=open_total,
        new_by_risk=_alerts_by_risk(store, AlertQuery(since=since, until=until)),
        open_by_risk=_alerts_by_risk(store, AlertQuery(statuses=OPEN_STATUSES)),
        top_events=events[:top_n],
        awaiting=awaiting.items,
        awaiting_total=awaiting.total,
    )


def _alerts_by_risk(store: Store, query: AlertQuery) -> dict[int, int]:
    """Exact counts per risk level from totals (no cap on how many alerts are open)."""
    at_least: dict[int, int] = {}
    for level in range(4):
        query.min_risk, query.size = level, 0
        at_least[level] = store.search_alerts(query)[1]
    counts = {level: at_least[level] - at_least.get(level + 1, 0) for level in range(4)}
    return {level: n for level, n in counts.items() if n}


def _risk_label(key: object) -> str:
    try:
        return risk_name(int(key))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return clean_line(key, 20) or "未知"


class _Links:
    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def alert(self, a: Alert) -> str:
        return f"{self.base}/alerts/{a.id}"

    def event(self, e: Event) -> str:
        return f"{self.base}/events/{e.id}"

    def item(self, i: Item) -> str:
        return f"{self.base}/items/{i.id}"


def render_text(d: DigestData, links: _Links, tz: str) -> str:
    zone = ZoneInfo(tz)
    out = [f"舆情哨兵每日简报（{d.day.isoformat()}，{zone_name(tz)}）", ""]
    out.append(f"一、信息概况：采集 {d.items_total} 条，其中涉妇女儿童相关 {d.items_relevant} 条。")
    if d.by_category:
        out.append("  按类别：" + "；".join(f"{category_name(k)} {n}" for k, n in d.by_category))
    if d.by_risk:
        out.append("  按风险：" + "；".join(f"{_risk_label(k)} {n}" for k, n in d.by_risk))
    if d.by_district:
        out.append("  按地区：" + "；".join(f"{clean_line(k, 20) or '未识别'} {n}" for k, n in d.by_district))
    new_by_risk = "；".join(f"{risk_name(r)} {n}" for r, n in sorted(d.new_by_risk.items(), reverse=True))
    out += ["", f"二、当日新增预警 {d.new_alerts_total} 条" + (f"（{new_by_risk}）" if new_by_risk else "") + "："]
    for a in d.new_alerts:
        out.append(f"  - [{risk_name(a.risk)}][{status_name(a.status)}] {clean_line(a.title, 100)}  {links.alert(a)}")
    by_risk = "；".join(f"{risk_name(r)} {n}" for r, n in sorted(d.open_by_risk.items(), reverse=True))
    out += ["", f"三、未办结预警 {d.open_alerts_total} 条" + (f"（{by_risk}）" if by_risk else "") + "："]
    for a in d.open_alerts:
        created = a.created_at.astimezone(zone).strftime("%m-%d %H:%M")
        out.append(f"  - [{risk_name(a.risk)}][{status_name(a.status)}] {created} {clean_line(a.title, 100)}  {links.alert(a)}")
    out += ["", "四、重点事件："]
    for e in d.top_events:
        out.append(f"  - [{risk_name(e.max_risk)}] {clean_line(e.title, 80)}（{category_name(e.category)}，{e.item_count} 条，"
                   f"关键词：{clean_line('、'.join(e.keywords[:5]), 60)}）  {links.event(e)}")
    if not d.top_events:
        out.append("  （无）")
    out += ["", f"五、待处置信息（风险≥预警、尚未处理，截至生成时）{d.awaiting_total} 条："]
    for i in d.awaiting:
        out.append(f"  - [{risk_name(i.risk)}] {clean_line(i.title or i.text, 80)}（{clean_line(i.source, 30)}）  {links.item(i)}")
    out += ["", f"看板：{links.base}", "（本邮件由舆情哨兵自动生成）"]
    return "\n".join(out)


_TH = "padding:6px;border:1px solid #e5e7eb;background:#f3f4f6;text-align:left"
_TD = "padding:6px;border:1px solid #e5e7eb"
_H2 = "font-size:16px;margin:18px 0 8px;color:#111827"


def _table(headers: list[str], rows: list[list[Markup | str | int]]) -> Markup:
    head = Markup("").join(Markup('<th style="{}">{}</th>').format(_TH, h) for h in headers)
    if not rows:
        rows = [[Markup('<span style="color:#6b7280">（无）</span>')] + [""] * (len(headers) - 1)]
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(Markup("").join(Markup('<td style="{}">{}</td>').format(_TD, c) for c in row))
        for row in rows
    )
    return Markup('<table style="border-collapse:collapse;width:100%;font-size:13px">'
                  "<thead><tr>{}</tr></thead><tbody>{}</tbody></table>").format(head, body)


def _risk_cell(risk: int) -> Markup:
    return Markup('<span style="color:{};font-weight:bold">{}</span>').format(
        RISK_COLORS.get(risk, "#6b7280"), risk_name(risk))


def _by_risk_line(counts: dict[int, int]) -> Markup:
    if not counts:
        return Markup("")
    cells = Markup("　").join(Markup("{}：{}").format(_risk_cell(r), n) for r, n in sorted(counts.items(), reverse=True))
    return Markup("<p>{}</p>").format(cells)


def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}" style="color:#1d4ed8">{}</a>').format(href, text)


def render_html(d: DigestData, links: _Links, tz: str) -> str:
    zone = ZoneInfo(tz)
    h2 = lambda text: Markup('<h2 style="{}">{}</h2>').format(_H2, text)  # noqa: E731
    parts: list[Markup] = [
        Markup('<h1 style="font-size:20px;margin:0 0 12px">舆情哨兵每日简报 {}</h1>').format(d.day.isoformat()),
        h2("一、信息概况"),
        Markup("<p>采集 <b>{}</b> 条，其中涉妇女儿童相关 <b>{}</b> 条。</p>").format(d.items_total, d.items_relevant),
        _table(["类别", "条数"], [[category_name(k), n] for k, n in d.by_category]),
        Markup("<br>"),
        _table(["风险等级", "条数"], [[_risk_label(k), n] for k, n in d.by_risk]),
        Markup("<br>"),
        _table(["地区", "条数"], [[clean_line(k, 20) or "未识别", n] for k, n in d.by_district]),
        h2(f"二、当日新增预警（{d.new_alerts_total} 条）"),
        _by_risk_line(d.new_by_risk),
        _table(["等级", "预警", "状态"], [
            [_risk_cell(a.risk), _link(links.alert(a), clean_line(a.title, 100)), status_name(a.status)]
            for a in d.new_alerts]),
        h2(f"三、未办结预警（{d.open_alerts_total} 条）"),
        _by_risk_line(d.open_by_risk),
        _table(["等级", "预警", "状态", "产生时间"], [
            [_risk_cell(a.risk), _link(links.alert(a), clean_line(a.title, 100)), status_name(a.status),
             a.created_at.astimezone(zone).strftime("%m-%d %H:%M")] for a in d.open_alerts]),
        h2("四、重点事件"),
        _table(["等级", "事件", "类别", "条数", "关键词"], [
            [_risk_cell(e.max_risk), _link(links.event(e), clean_line(e.title, 80)), category_name(e.category),
             e.item_count, clean_line("、".join(e.keywords[:5]), 60)] for e in d.top_events]),
        h2(f"五、待处置信息（截至生成时 {d.awaiting_total} 条）"),
        _table(["等级", "标题", "来源", "原文"], [
            [_risk_cell(int(i.risk or 0)), _link(links.item(i), clean_line(i.title or i.text, 80)),
             clean_line(i.source, 30),
             _link(u, "原文") if (u := safe_url(i.url)) else ""] for i in d.awaiting]),
        Markup('<p style="margin-top:18px">{}</p>').format(_link(links.base, "打开舆情哨兵看板")),
        Markup('<p style="color:#6b7280;font-size:12px">本邮件由舆情哨兵自动生成，请勿直接回复。</p>'),
    ]
    return email_document(f"舆情哨兵每日简报 {d.day.isoformat()}", str(Markup("").join(parts)))


def build_digest(store: Store, day: date | None = None, *, dashboard_url: str = "http://127.0.0.1:5000",
                 tz: str = "Asia/Shanghai", clock: Callable[[], datetime] | None = None) -> Digest:
    """The digest for `day` (default: the previous local day)."""
    day = day or previous_local_day(tz, (clock or utcnow)())
    data = collect(store, day, tz)
    links = _Links(dashboard_url)
    subject = clean_subject(f"【舆情哨兵】每日简报 {day.isoformat()}")
    return Digest(day=day, subject=subject, text=render_text(data, links, tz),
                  html=render_html(data, links, tz), data=data)
