"""Login throttling: too many failures for one account or one address lock it for a while.

Kept in memory on purpose: one dashboard process serves the duty office, and a restart
clearing the counters is acceptable (the lock only slows guessing down).
"""

from __future__ import annotations

import threading
import time


class LoginThrottle:
    """Failure counters per key; each key is checked against its own limit."""

    def __init__(self, lockout_seconds: float) -> None:
        self.lockout_seconds = lockout_seconds
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.lockout_seconds]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def locked_for(self, limits: dict[str, int], now: float | None = None) -> float:
        """Seconds until every key is below its limit again (0 when none is locked)."""
        now = time.monotonic() if now is None else now
        wait = 0.0
        with self._lock:
            for key, limit in limits.items():
                recent = self._recent(key, now)
                if len(recent) >= limit:
                    wait = max(wait, self.lockout_seconds - (now - recent[-limit]))
        return max(wait, 0.0)

    def fail(self, keys: list[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                self._recent(key, now)
                self._failures.setdefault(key, []).append(now)

    def succeed(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
