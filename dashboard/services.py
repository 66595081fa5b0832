"""Callables the service wiring hands to the dashboard.

The dashboard never builds the pipeline; each feature whose callable is None is shown
as not available instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Services:
    retrain: Callable[[], str] | None = None  # trains from labeled items, returns the version
    list_models: Callable[[], list[dict[str, Any]]] | None = None
    activate_model: Callable[[str], Any] | None = None
    rollback_model: Callable[[], Any] | None = None
