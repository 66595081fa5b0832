"""`yuqing demo-site [--port N]`: serve only the demo site (for crawling it by hand)."""

from __future__ import annotations

import argparse
import sys

from service.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo-site", help="只启动本地演示站点（新闻、类微博接口、论坛），供手动采集调试")
    p.add_argument("--port", type=int, default=8765, help="端口（默认 8765，0 表示任意空闲端口）")
    p.set_defaults(func=cmd_demo_site)


def cmd_demo_site(args: argparse.Namespace, settings: Settings) -> int:
    from service.demo_site import make_server

    try:
        server, base_url = make_server("127.0.0.1", args.port)
    except OSError as exc:
        print(f"无法监听 127.0.0.1:{args.port}：{exc}", file=sys.stderr)
        return 2
    print(f"演示站点已启动：{base_url}/  （Ctrl-C 停止）", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
