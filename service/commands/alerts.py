"""`yuqing digest`, `yuqing alerts list`, `yuqing rules check`."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from alerts.digest import Digest, build_digest
from alerts.labels import risk_name, status_name
from alerts.mailer import Mailer, MailError, check_address
from alerts.rules import RuleError, load_rules
from service.settings import Settings
from store import ALERT_STATUSES, AlertQuery, Store, StoreError, open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("digest", help="生成并发送每日简报（默认：前一天）")
    p.add_argument("--date", help="简报日期 YYYY-MM-DD（本地时区，默认前一天）")
    p.add_argument("--to", help="收件人，逗号分隔（默认 alerts.digest_to）")
    p.add_argument("--dry-run", action="store_true", help="只生成并打印，不发送邮件")
    p.set_defaults(func=cmd_digest)

    p = sub.add_parser("alerts", help="预警")
    asub = p.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    ls = asub.add_parser("list", help="列出预警")
    ls.add_argument("--status", choices=ALERT_STATUSES, help="按状态筛选")
    ls.add_argument("--limit", type=int, default=50, help="最多显示条数（默认 50）")
    ls.set_defaults(func=cmd_alerts_list)

    p = sub.add_parser("rules", help="预警规则")
    rsub = p.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    chk = rsub.add_parser("check", help="检查规则文件")
    chk.add_argument("file", nargs="?", help="规则文件（默认 alerts.rules_file）")
    chk.set_defaults(func=cmd_rules_check)


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"日期格式错误：{text!r}，请写成 YYYY-MM-DD，例如 2026-11-25") from None


def _recipients(text: str | None, default: list[str]) -> list[str]:
    found = [a.strip() for a in text.split(",") if a.strip()] if text else list(default)
    try:
        return [check_address(a) for a in found]
    except MailError as exc:
        raise SystemExit(str(exc)) from None


def _open(settings: Settings) -> Store:
    try:
        return open_store(settings.store)
    except StoreError as exc:
        raise SystemExit(f"无法打开存储：{exc}") from None


def make_digest(settings: Settings, store: Store, day: date | None) -> tuple[Digest, list[Path]]:
    digest = build_digest(store, day, dashboard_url=settings.alerts.dashboard_url, tz=settings.timezone)
    # A copy on disk first: if the mail server is down, the digest is not lost.
    paths = digest.write(settings.path(settings.data_dir) / "digests")
    return digest, paths


def send_digest_for(settings: Settings, store: Store, day: date | None = None,
                    recipients: list[str] | None = None) -> Digest:
    """Build, keep and mail the digest (the scheduler's daily job). Raises MailError."""
    digest, _ = make_digest(settings, store, day)
    to = recipients if recipients is not None else settings.alerts.digest_to
    Mailer(settings.smtp).send(to, digest.subject, digest.text, digest.html)
    return digest


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    day = _parse_day(args.date)
    to = _recipients(args.to, settings.alerts.digest_to)
    with _open(settings) as store:
        digest, paths = make_digest(settings, store, day)
    if args.dry_run:
        print(digest.subject)
        print()
        print(digest.text)
        print(f"\n（未发送；已保存：{', '.join(str(p) for p in paths)}）", file=sys.stderr)
        return 0
    if not to:
        print("没有收件人：请用 --to 指定，或在配置 alerts.digest_to / YUQING_DIGEST_TO 中设置。"
              f"简报已保存：{paths[1]}", file=sys.stderr)
        return 2
    try:
        sent = Mailer(settings.smtp).send(to, digest.subject, digest.text, digest.html)
    except MailError as exc:
        print(f"简报发送失败：{exc}\n简报已保存：{paths[1]}", file=sys.stderr)
        return 1
    print(f"已发送 {digest.subject} 至 {', '.join(sent.recipients)}")
    if sent.refused:
        print(f"部分收件人被拒：{sent.refused}", file=sys.stderr)
    return 0


def cmd_alerts_list(args: argparse.Namespace, settings: Settings) -> int:
    query = AlertQuery(statuses=[args.status] if args.status else [], size=max(1, args.limit))
    with _open(settings) as store:
        alerts, total = store.search_alerts(query)
    zone = settings.timezone
    from zoneinfo import ZoneInfo

    for a in alerts:
        when = a.created_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
        print(f"{a.id}  {when}  {risk_name(a.risk)}  {status_name(a.status)}  {a.rule}  {a.title}")
    print(f"共 {total} 条" + (f"（显示 {len(alerts)} 条）" if total > len(alerts) else ""))
    return 0


def cmd_rules_check(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file) if args.file else settings.path(settings.alerts.rules_file)
    try:
        rules = load_rules(path)
    except RuleError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    enabled = sum(r.enabled for r in rules)
    print(f"规则文件 {path} 正确：共 {len(rules)} 条规则，启用 {enabled} 条")
    for r in rules:
        print(f"  {'✓' if r.enabled else '✗'} {r.name} ({r.type}) {r.description}")
    return 0
