"""Model registry in plain files.

    <model_dir>/versions/<version>/model.joblib   the bundle (Pipelines per task)
    <model_dir>/versions/<version>/meta.json      id, created_at, metrics, fingerprint, counts
    <model_dir>/active.json                       {"active": version, "history": [older actives]}

Writes go to a temporary file first and are renamed into place, and a lock file
serializes train/activate/rollback between processes.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

from nlp.data import fingerprint, load_labeled, split, validate_item
from nlp.evaluate import evaluate
from nlp.model import Classifier, train_bundle

Log = Callable[[str], None]
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"


class RegistryError(Exception):
    """The registry cannot do what was asked; the message says why."""


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _write_json(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, path)


class ModelRegistry:
    def __init__(self, model_dir: str | Path) -> None:
        self.root = Path(model_dir)
        self.versions_dir = self.root / "versions"

    # ---- state -----------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _state(self) -> dict[str, Any]:
        path = self.root / "active.json"
        if not path.exists():
            return {"active": None, "history": []}
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RegistryError(f"{path} is unreadable ({exc}); fix or delete it, then activate a version") from None
        state.setdefault("history", [])
        return state

    def _exists(self, version: str) -> bool:
        d = self.versions_dir / version
        return (d / MODEL_FILE).exists() and (d / META_FILE).exists()

    # ---- queries ---------------------------------------------------------------
    def active(self) -> str | None:
        """The active version id, or None."""
        version = self._state().get("active")
        return version if version and self._exists(version) else None

    def meta(self, version: str) -> dict[str, Any]:
        path = self.versions_dir / version / META_FILE
        if not path.exists():
            raise RegistryError(f"no model version '{version}' in {self.root}")
        return json.loads(path.read_text(encoding="utf-8"))

    def list(self) -> list[dict[str, Any]]:
        """Every version's meta (oldest first), with 'active': bool."""
        if not self.versions_dir.is_dir():
            return []
        active = self.active()
        out = []
        for d in sorted(self.versions_dir.iterdir()):
            if d.is_dir() and self._exists(d.name):
                meta = self.meta(d.name)
                meta["active"] = d.name == active
                out.append(meta)
        out.sort(key=lambda m: m.get("created_at", ""))
        return out

    def load(self, version: str | None = None) -> Classifier:
        """The classifier of a version (default: the active one)."""
        version = version or self.active()
        if version is None:
            raise RegistryError(f"no active model in {self.root}; run `yuqing train` first")
        if not self._exists(version):
            raise RegistryError(f"no model version '{version}' in {self.root}")
        bundle = joblib.load(self.versions_dir / version / MODEL_FILE)
        bundle["version"] = version
        return Classifier(bundle)

    # ---- changes ---------------------------------------------------------------
    def train(
        self,
        extra_items: Sequence[dict[str, Any]] = (),
        *,
        activate: bool = True,
        log: Log | None = None,
        data_paths: Sequence[str | Path] | None = None,
        params: dict[str, Any] | None = None,
    ) -> str:
        """Train on the packaged data's training split plus `extra_items`; returns the version.

        Extra items (analysts' labels) are validated like the packaged data; bad
        ones are reported through `log` and left out. The held-out split is never
        trained on: extra items whose text is in it are left out as well.
        """
        say = log or (lambda _m: None)
        problems: list[str] = []
        packaged = load_labeled(data_paths, strict=False, errors=problems)
        for msg in problems:
            say(f"skipped bad labeled line: {msg}")
        if not packaged:
            raise RegistryError("no labeled training data found (nlp/data/labeled/*.jsonl is empty)")
        train_items, heldout = split(packaged)
        extra, held_texts = [], {(it.get("title") or "", it["text"]) for it in heldout}
        for n, raw in enumerate(extra_items, start=1):
            try:
                item = validate_item(raw, require_meta=False)
            except ValueError as exc:
                say(f"skipped analyst label #{n} (id {raw.get('id') if isinstance(raw, dict) else '?'}): {exc}")
                continue
            if (item.get("title") or "", item["text"]) in held_texts:
                continue
            extra.append(item)
        items = train_items + extra
        say(f"training on {len(train_items)} packaged + {len(extra)} analyst-labeled items; {len(heldout)} held out")
        bundle = train_bundle(items, params=params, log=say)
        clf = Classifier(bundle)

        report = evaluate(clf, heldout)
        metrics = {
            "overall": report["overall"],
            "by_script": report["by_script"],
            "checks": report["checks"],
            "tasks": {
                t: {"accuracy": r["accuracy"], "macro_f1": r["macro_f1"], "per_class": r["per_class"]}
                for t, r in report["tasks"].items()
            },
        }
        fp = fingerprint(items)
        created = datetime.now(UTC)
        with self._locked():
            version = created.strftime("%Y%m%d-%H%M%S-") + fp[:8]
            suffix = 1
            while (self.versions_dir / version).exists():
                suffix += 1
                version = f"{created.strftime('%Y%m%d-%H%M%S-')}{fp[:8]}-{suffix}"
            tmp_dir = Path(tempfile.mkdtemp(dir=self.versions_dir, prefix=".tmp-"))
            bundle["version"] = version
            joblib.dump(bundle, tmp_dir / MODEL_FILE, compress=3)
            meta = {
                "version": version,
                "created_at": created.isoformat(),
                "fingerprint": fp,
                "counts": {
                    "train": len(items),
                    "train_packaged": len(train_items),
                    "train_extra": len(extra),
                    "heldout": len(heldout),
                    "skipped_lines": len(problems),
                },
                "metrics": metrics,
                "params": _jsonable(bundle["params"]),
            }
            _write_json(tmp_dir / META_FILE, meta)
            os.replace(tmp_dir, self.versions_dir / version)
            if activate:
                self._set_active(version)
        h = report["overall"]
        figures = (
            f"held-out relevance F1 {h['relevance_f1']:.3f}, category macro-F1 "
            f"{h['category_macro_f1']:.3f}, risk>=2 F1 {h['risk_ge2_f1']:.3f}"
            if h else "no held-out items"
        )
        say(f"model {version}: {figures}" + (" (activated)" if activate else " (not activated)"))
        return version

    def _set_active(self, version: str) -> None:
        state = self._state()
        current = state.get("active")
        history = [v for v in state.get("history", []) if v != version]
        if current and current != version:
            history.append(current)
        _write_json(self.root / "active.json", {"active": version, "history": history, "changed_at": time.time()})

    def activate(self, version: str) -> None:
        if not self._exists(version):
            raise RegistryError(f"no model version '{version}' in {self.root} (see `yuqing models list`)")
        with self._locked():
            self._set_active(version)

    def rollback(self) -> str:
        """Go back to the previously active version; returns it."""
        with self._locked():
            state = self._state()
            history = [v for v in state.get("history", []) if self._exists(v)]
            if not history:
                raise RegistryError("no previously active model version to roll back to")
            previous = history.pop()
            _write_json(
                self.root / "active.json",
                {"active": previous, "history": history, "changed_at": time.time()},
            )
        return previous

    def ensure_active(self, log: Log | None = _stderr) -> str:
        """The active version; trains and activates the default model first when there is none."""
        version = self.active()
        if version:
            return version
        say = log or (lambda _m: None)
        say(f"no active model in {self.root}: training the default model from the packaged data")
        return self.train(activate=True, log=say)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
