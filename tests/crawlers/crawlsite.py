"""A real HTTP server on 127.0.0.1 (port 0) serving written fixture pages, counting requests."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class FixtureSite:
    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.hits: Counter[str] = Counter()
        self.agents: Counter[str] = Counter()  # User-Agent headers seen
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                with site._lock:
                    site.hits[self.path] += 1
                    site.agents[self.headers.get("User-Agent", "")] += 1
                # like real sites, unknown query parameters (utm_*, from) do not change the page
                page = site.pages.get(self.path) or site.pages.get(self.path.split("?", 1)[0])
                if page is None:
                    body = b"not found"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if page.delay:
                    time.sleep(page.delay)
                self.send_response(page.status)
                if page.content_type:
                    self.send_header("Content-Type", page.content_type)
                for k, v in page.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                # the crawler may give up on a huge page, as it should
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(page.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8",
            **kw: object) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = Page(data, content_type, **kw)  # type: ignore[arg-type]

    def count(self, path_prefix: str) -> int:
        with self._lock:
            return sum(n for p, n in self.hits.items() if p.startswith(path_prefix))

    def start(self) -> FixtureSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
