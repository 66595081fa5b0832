"""Fixtures for crawler tests: a local fixture site and a crawl in a child process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from crawlrun import Crawl  # noqa: E402
from crawlsite import FixtureSite  # noqa: E402


@pytest.fixture
def site():
    s = FixtureSite().start()
    yield s
    s.stop()


@pytest.fixture
def crawl(tmp_path: Path) -> Crawl:
    return Crawl(tmp_path)
