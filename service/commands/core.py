"""`yuqing run`, `yuqing demo`, `yuqing user ...`, `yuqing store ...`."""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys

from service.settings import Settings, load_settings
from store import ROLES, StoreError, User

ROLE_NAMES = {"admin": "管理员", "duty": "值班员", "analyst": "分析员"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="运行服务：定时采集、分类、入库、预警，并提供看板")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="演示：启动本地演示站点并让服务采集它")
    p.add_argument("--data-dir", default="var/demo", help="演示数据目录（默认 var/demo）")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("user", help="用户管理")
    usub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    a = usub.add_parser("add", help="添加用户")
    a.add_argument("username")
    a.add_argument("--role", choices=ROLES, default="duty", help="admin 管理员 / duty 值班员 / analyst 分析员")
    a.add_argument("--name", help="显示名称")
    a.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    a.set_defaults(func=cmd_user_add)
    ls = usub.add_parser("list", help="列出用户")
    ls.set_defaults(func=cmd_user_list)
    d = usub.add_parser("disable", help="停用用户")
    d.add_argument("username")
    d.set_defaults(func=cmd_user_disable)

    p = sub.add_parser("store", help="存储：初始化与检查")
    ssub = p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    s = ssub.add_parser("check", help="连接存储并创建表/索引")
    s.set_defaults(func=cmd_store_check)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from service.app import run_service

    return run_service(settings)


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再次输入密码："):
        raise SystemExit("两次输入的密码不一致")
    return first


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    from service.app import open_store_or_explain

    password = _read_password(args)
    if len(password) < 8:
        print("密码至少 8 位", file=sys.stderr)
        return 2
    with open_store_or_explain(settings) as store:
        try:
            store.add_user(User(username=args.username, password_hash=_hash(password), role=args.role, display_name=args.name))
        except StoreError as exc:
            print(f"无法添加用户 {args.username}：{exc}", file=sys.stderr)
            return 1
    print(f"已添加{ROLE_NAMES[args.role]} {args.username}")
    return 0


def cmd_user_list(args: argparse.Namespace, settings: Settings) -> int:
    from service.app import open_store_or_explain

    with open_store_or_explain(settings) as store:
        for u in store.list_users():
            state = "启用" if u.active else "停用"
            print(f"{u.username}\t{ROLE_NAMES.get(u.role, u.role)}\t{state}\t{u.display_name or ''}")
    return 0


def cmd_user_disable(args: argparse.Namespace, settings: Settings) -> int:
    from service.app import open_store_or_explain

    with open_store_or_explain(settings) as store:
        try:
            store.update_user(args.username, {"active": False}, actor="cli")
        except StoreError as exc:
            print(f"无法停用 {args.username}：{exc}", file=sys.stderr)
            return 1
    print(f"已停用 {args.username}")
    return 0


def cmd_store_check(args: argparse.Namespace, settings: Settings) -> int:
    from service.app import open_store_or_explain

    with open_store_or_explain(settings) as store:
        print("存储正常" if store.ping() else "存储无应答")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the bundled demo site on 127.0.0.1 and point the service's sources at it."""
    import threading

    from service.app import open_store_or_explain, run_service
    from service.demo_site import make_server

    server, base_url = make_server("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, name="demo-site", daemon=True).start()
    # The crawl subprocesses read the same environment, so the demo's settings reach them too.
    os.environ["YUQING_DEMO_BASE"] = base_url
    os.environ["YUQING_SOURCES"] = "config/demo_sources.yaml"
    os.environ.setdefault("YUQING_DATA_DIR", args.data_dir)
    os.environ.setdefault("YUQING_SQLITE_PATH", f"{args.data_dir}/yuqing.db")
    os.environ.setdefault("YUQING_MODEL_DIR", str(settings.model_path))  # share the trained model
    demo_settings = load_settings(args.config)
    password = secrets.token_urlsafe(9)
    with open_store_or_explain(demo_settings) as store:
        if store.get_user("demo") is None:
            store.add_user(User(username="demo", password_hash=_hash(password), role="admin", display_name="演示管理员"))
        else:
            store.update_user("demo", {"password_hash": _hash(password), "active": True}, actor="demo")
    banner = [
        f"演示站点：{base_url}",
        f"演示管理员：用户名 demo  密码 {password}",
    ]
    return run_service(demo_settings, banner=banner)
