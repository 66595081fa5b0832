"""Helpers for the alerts tests: item factory, fixed clock, a capturing SMTP handler."""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import partial
from itertools import count

from service.settings import SmtpSettings
from store import Item

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


class Clock:
    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


_seq = count(1)


def make_item(title: str, text: str = "", *, risk: int = 2, category: str = "school_safety",
              relevant: bool = True, rumor: bool = False, published: datetime | None = None,
              source: str = "news-a", **extra) -> Item:
    n = next(_seq)
    return Item(
        id=f"it-{n:05d}", url=extra.pop("url", f"https://news.example.cn/a/{n}.html"), source=source,
        source_type="news", title=title, text=text or title, published_at=published or NOW,
        fetched_at=published or NOW, relevant=relevant, category=category if relevant else "none",
        risk=risk, rumor_suspected=rumor, sentiment="negative", **extra,
    )


@dataclass
class SmtpCapture:
    host: str
    port: int
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    received = None

    def __post_init__(self):
        self.received = threading.Event()


class SmtpHandler:
    def __init__(self, capture: SmtpCapture):
        self.capture = capture

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.capture.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.capture.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        self.capture.received.set()
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The service's own SMTP settings (what the mailer gets in production), test sender, short timeout.
SmtpConf = partial(SmtpSettings, sender="yuqing@example.org", timeout=5.0)


_URL = re.compile(r"https?://\S+")


def latin_words(text: str) -> set[str]:
    """Latin-script words of user-facing text, links left out (to find leftover English)."""
    return set(re.findall(r"[A-Za-z][A-Za-z_]+", _URL.sub(" ", text)))
