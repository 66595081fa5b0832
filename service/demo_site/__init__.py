"""A small local demo site for the crawlers: news lists and articles (one section GBK-encoded),
RSS, a sitemap, a Weibo-like search API and a forum, all on 127.0.0.1.

    server, base_url = make_server()           # not serving yet
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ...
    server.shutdown(); server.server_close()

or by hand: `python -m service.demo_site --port 8765`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from http.server import ThreadingHTTPServer

from service.demo_site.site import DemoHandler, DemoSite

__all__ = ["make_server", "DemoSite"]


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    start: float | None = None,
    clock: Callable[[], float] = time.time,
) -> tuple[ThreadingHTTPServer, str]:
    """Bind the demo site (port 0 = any free port) and return (server, base_url).
    `start` (epoch seconds, default now) is the moment all content times count from;
    `clock` lets tests move time forward to see scheduled posts appear."""
    site = DemoSite(start=start, clock=clock)
    handler = type("BoundDemoHandler", (DemoHandler,), {"site": site})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.site = site  # type: ignore[attr-defined]
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{bound_host}:{bound_port}"
