"""Notification channels for new alerts.

A channel implements `Notifier`: `wants(alert)` says whether the channel handles the
alert, `notify(alerts, items, events)` delivers a batch and returns the ids delivered
(the engine marks exactly those alerts notified). Add channels (SMS, IM webhook) by
implementing the same two methods; `MultiNotifier` fans out to several.
"""

from __future__ import annotations

import logging
from typing import Protocol

from markupsafe import Markup

from store import Alert, Event, Item

from .html import RISK_COLORS, email_document
from .labels import category_name, risk_name
from .mailer import Mailer
from .text import clean_line, clean_text, safe_url

log = logging.getLogger(__name__)



class Notifier(Protocol):
    def wants(self, alert: Alert) -> bool: ...

    def notify(self, alerts: list[Alert], items: dict[str, Item],
               events: dict[str, Event]) -> set[str]: ...


class LogNotifier:
    """Writes new alerts to the log (the default when no recipients are configured)."""

    def __init__(self, min_risk: int = 0, logger: logging.Logger | None = None):
        self.min_risk, self.log = min_risk, logger or log

    def wants(self, alert: Alert) -> bool:
        return alert.risk >= self.min_risk

    def notify(self, alerts: list[Alert], items: dict[str, Item],
               events: dict[str, Event]) -> set[str]:
        for alert in alerts:
            self.log.warning("预警 [%s] 等级%s %s（规则 %s）", alert.id, alert.risk,
                             clean_line(alert.title, 120), alert.rule)
        return {a.id for a in alerts}


class MultiNotifier:
    """Several channels; an alert counts as notified when any channel delivered it."""

    def __init__(self, *channels: Notifier):
        self.channels = channels

    def wants(self, alert: Alert) -> bool:
        return any(c.wants(alert) for c in self.channels)

    def notify(self, alerts: list[Alert], items: dict[str, Item],
               events: dict[str, Event]) -> set[str]:
        delivered: set[str] = set()
        for channel in self.channels:
            mine = [a for a in alerts if channel.wants(a)]
            if not mine:
                continue
            try:
                delivered |= channel.notify(mine, items, events)
            except Exception as exc:
                log.error("通知渠道 %s 失败：%s", type(channel).__name__, exc)
        return delivered


class EmailNotifier:
    """One short Chinese mail per run to the duty officers, listing the new alerts of
    risk >= min_risk (2 by default). MailError propagates so the engine retries later."""

    def __init__(self, mailer: Mailer, recipients: list[str], dashboard_url: str,
                 min_risk: int = 2, max_listed: int = 30, rule_names: dict[str, str] | None = None):
        self.mailer, self.recipients = mailer, list(recipients)
        # rule name -> Chinese description; AlertEngine fills it from the rules file.
        self.rule_names: dict[str, str] = dict(rule_names or {})
        self.dashboard_url = dashboard_url.rstrip("/")
        self.min_risk, self.max_listed = min_risk, max_listed

    def wants(self, alert: Alert) -> bool:
        return alert.risk >= self.min_risk

    def notify(self, alerts: list[Alert], items: dict[str, Item],
               events: dict[str, Event]) -> set[str]:
        alerts = sorted((a for a in alerts if self.wants(a)), key=lambda a: (-a.risk, a.id))
        if not alerts:
            return set()
        subject, text, html = self.compose(alerts, items)
        self.mailer.send(self.recipients, subject, text, html)
        return {a.id for a in alerts}

    def compose(self, alerts: list[Alert], items: dict[str, Item]) -> tuple[str, str, str]:
        top = max(a.risk for a in alerts)
        first = clean_line(alerts[0].title, 40)
        more = f" 等{len(alerts)}条" if len(alerts) > 1 else ""
        subject = f"【舆情哨兵】{risk_name(top)}预警：{first}{more}"
        shown = alerts[: self.max_listed]
        lines = [f"值班员您好：舆情哨兵新产生 {len(alerts)} 条预警，请及时研判处置。", ""]
        rows: list[Markup] = []
        for n, alert in enumerate(shown, 1):
            item = items.get(alert.item_id or "")
            link = f"{self.dashboard_url}/alerts/{alert.id}"
            source_url = safe_url(item.url) if item else None
            summary = clean_text(item.text, 120).replace("\n", " ") if item else ""
            lines.append(f"{n}. [{risk_name(alert.risk)}] {clean_line(alert.title, 120)}")
            lines.append(f"   类别：{category_name(alert.category)}　规则：{self._rule(alert)}")
            if item:
                lines.append(f"   来源：{clean_line(item.source, 40)}　{source_url or ''}")
            if summary:
                lines.append(f"   摘要：{summary}")
            lines.append(f"   处置：{link}")
            color = RISK_COLORS.get(alert.risk, "#6b7280")
            rows.append(Markup(
                '<tr><td style="padding:6px;border-bottom:1px solid #e5e7eb;color:{color};'
                'font-weight:bold;white-space:nowrap">{risk}</td>'
                '<td style="padding:6px;border-bottom:1px solid #e5e7eb">'
                '<a href="{link}" style="color:#1d4ed8">{title}</a>'
                '<div style="color:#6b7280;font-size:12px">{category} · {source}</div>'
                '<div style="font-size:13px">{summary}</div></td></tr>'
            ).format(
                color=color, risk=risk_name(alert.risk), link=link,
                title=clean_line(alert.title, 120), category=category_name(alert.category),
                source=clean_line(item.source, 40) if item else self._rule(alert), summary=summary,
            ))
        if len(alerts) > len(shown):
            lines.append(f"…… 另有 {len(alerts) - len(shown)} 条，请登录看板查看。")
        lines += ["", f"预警列表：{self.dashboard_url}/alerts", "（本邮件由系统自动发送，请勿直接回复）"]
        body = Markup(
            '<p>值班员您好：舆情哨兵新产生 {count} 条预警，请及时研判处置。</p>'
            '<table style="border-collapse:collapse;width:100%">{rows}</table>'
            '{more}<p><a href="{base}/alerts" style="color:#1d4ed8">打开预警列表</a></p>'
            '<p style="color:#6b7280;font-size:12px">本邮件由系统自动发送，请勿直接回复。</p>'
        ).format(
            count=len(alerts), rows=Markup("").join(rows), base=self.dashboard_url,
            more=Markup("<p>…… 另有 {} 条，请登录看板查看。</p>").format(len(alerts) - len(shown))
            if len(alerts) > len(shown) else "",
        )
        return subject, "\n".join(lines), email_document("舆情哨兵预警通知", str(body))

    def _rule(self, alert: Alert) -> str:
        return clean_line(self.rule_names.get(alert.rule) or alert.rule, 60)


__all__ = ["EmailNotifier", "LogNotifier", "MultiNotifier", "Notifier"]
