"""`yuqing demo-site [--port N]`: serve only the demo site (for crawling it by hand)."""

from __future__ import annotations

import argparse

from service.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo-site", help="只启动本地演示站点（新闻、类微博接口、论坛），供手动采集调试")
    p.add_argument("--port", type=int, default=8765, help="端口（默认 8765，0 表示任意空闲端口）")
    p.set_defaults(func=cmd_demo_site)


def cmd_demo_site(args: argparse.Namespace, settings: Settings) -> int:
    # The same foreground server as `python -m service.demo_site`, always on 127.0.0.1.
    from service.demo_site.__main__ import serve

    return serve("127.0.0.1", args.port)
