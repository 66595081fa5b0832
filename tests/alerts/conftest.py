"""Fixtures: a real SQLite store in a temporary directory, a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from store import StoreConfig, open_store
from tests.alerts.support import Clock, SmtpCapture, SmtpHandler, free_port


@pytest.fixture
def store(tmp_path):
    s = open_store(StoreConfig(sqlite_path=str(tmp_path / "yuqing.db")))
    yield s
    s.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def smtp_server():
    capture = SmtpCapture("127.0.0.1", free_port())
    controller = Controller(SmtpHandler(capture), hostname=capture.host, port=capture.port)
    controller.start()
    try:
        yield capture
    finally:
        controller.stop()
