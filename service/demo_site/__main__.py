"""`python -m service.demo_site --port N`: serve the demo site until Ctrl-C.

`serve()` is also what `yuqing demo-site` runs (service/commands/demo_site.py).
"""

from __future__ import annotations

import argparse
import sys

from service.demo_site import make_server


def serve(host: str, port: int) -> int:
    """Serve the demo site in the foreground until Ctrl-C; exit code 2 when the port is taken."""
    try:
        server, base_url = make_server(host, port)
    except OSError as exc:
        print(f"无法监听 {host}:{port}：{exc}", file=sys.stderr)
        return 2
    print(f"演示站点已启动：{base_url}/  （Ctrl-C 停止）", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.demo_site", description="舆情哨兵演示站点")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8765, help="端口（默认 8765，0 表示任意空闲端口）")
    args = parser.parse_args(argv)
    return serve(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
