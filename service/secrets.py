"""The web session secret: from the environment, else generated once into data_dir."""

from __future__ import annotations

import os
import secrets

from service.settings import Settings


def secret_key(settings: Settings) -> str:
    if settings.web.secret_key:
        return settings.web.secret_key
    path = settings.path(settings.data_dir) / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key
