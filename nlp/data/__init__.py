"""Labeled training data: loading with validation, and the held-out split.

The packaged data lives in nlp/data/labeled/*.jsonl (plus nlp/data/seed.jsonl when
present). One JSON object per line with the fields of `FIELDS`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent
LABELED_DIR = DATA_DIR / "labeled"
SEED_FILE = DATA_DIR / "seed.jsonl"

CATEGORIES = (
    "domestic_violence", "sexual_violence", "trafficking_missing", "child_abuse_neglect",
    "school_safety", "discrimination_rights", "marriage_family", "health_safety",
    "online_harm", "other",
)
FORMS = ("weibo", "news", "forum", "wechat", "comment")
SCRIPTS = ("simplified", "traditional")
SENTIMENTS = ("negative", "neutral", "positive")
FIELDS = (
    "id", "text", "title", "form", "script", "relevant", "category", "risk",
    "rumor_suspected", "sentiment", "district",
)
HELDOUT_SHARE = 0.2


class LabeledDataError(ValueError):
    """A labeled item is malformed; the message names the file and line."""


def validate_item(obj: Any, *, require_meta: bool = True) -> dict[str, Any]:
    """Check one labeled item and return it with defaults filled in.

    Raises ValueError with a plain description of the first problem found.
    `require_meta=False` accepts items without id/form/script (analysts' labels
    coming from the store carry the text and labels only).
    """
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    item = dict(obj)
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'text' must be a non-empty string")
    title = item.get("title") or ""
    if not isinstance(title, str):
        raise ValueError("'title' must be a string")
    item["title"] = title
    if require_meta:
        if not isinstance(item.get("id"), str) or not item["id"]:
            raise ValueError("'id' must be a non-empty string")
        if item.get("form") not in FORMS:
            raise ValueError(f"'form' must be one of {', '.join(FORMS)}, got {item.get('form')!r}")
        if item.get("script") not in SCRIPTS:
            raise ValueError(f"'script' must be one of {', '.join(SCRIPTS)}, got {item.get('script')!r}")
    else:
        item.setdefault("id", "")
        item.setdefault("form", None)
        item.setdefault("script", None)
    if not isinstance(item.get("relevant"), bool):
        raise ValueError("'relevant' must be true or false")
    category = item.get("category")
    if item["relevant"]:
        if category not in CATEGORIES:
            raise ValueError(f"'category' must be one of {', '.join(CATEGORIES)} for a relevant item, got {category!r}")
    elif category != "none":
        raise ValueError(f"'category' must be 'none' when relevant is false, got {category!r}")
    risk = item.get("risk")
    if isinstance(risk, bool) or not isinstance(risk, int) or not 0 <= risk <= 3:
        raise ValueError(f"'risk' must be an integer 0..3, got {risk!r}")
    if not isinstance(item.get("rumor_suspected"), bool):
        raise ValueError("'rumor_suspected' must be true or false")
    if item.get("sentiment") not in SENTIMENTS:
        raise ValueError(f"'sentiment' must be one of {', '.join(SENTIMENTS)}, got {item.get('sentiment')!r}")
    district = item.get("district")
    if district is not None and not isinstance(district, str):
        raise ValueError("'district' must be a string or null")
    item.setdefault("district", None)
    return item


def default_files() -> list[Path]:
    files = sorted(LABELED_DIR.glob("*.jsonl")) if LABELED_DIR.is_dir() else []
    if SEED_FILE.exists():
        files.append(SEED_FILE)
    return files


def load_labeled(
    paths: Iterable[str | Path] | None = None,
    *,
    strict: bool = True,
    errors: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Read and validate labeled JSONL files (default: the packaged data).

    strict=True raises LabeledDataError listing every bad line as 'file:line: why'.
    strict=False skips bad lines and appends those messages to `errors`, so a file
    that another process is still writing does not stop training.
    """
    files = [Path(p) for p in paths] if paths is not None else default_files()
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot be read: {exc}")
            continue
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                items.append(validate_item(json.loads(line)))
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno})")
            except ValueError as exc:
                problems.append(f"{path}:{lineno}: {exc}")
    if problems:
        if strict:
            shown = "\n".join(problems[:50])
            more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
            raise LabeledDataError(f"{len(problems)} bad labeled line(s):\n{shown}{more}")
        if errors is not None:
            errors.extend(problems)
    return items


def split_key(item: dict[str, Any]) -> str:
    """What decides an item's side: its normalized Simplified text.

    Hashing the text (not the id) keeps a copy of a post, or its Traditional
    version, on the same side as the original, so held-out figures are honest.
    """
    from nlp.normalize import normalize_text

    return normalize_text(f"{item.get('title') or ''} {item['text']}")


def _bucket(key: str) -> float:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split(
    items: list[dict[str, Any]], heldout_share: float = HELDOUT_SHARE
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Deterministic (train, heldout) split by a hash of the item text.

    Each category with at least two distinct texts gets at least one held-out
    text: when the hash left a category out, its lowest-hash text moves over.
    """
    keys = [split_key(it) for it in items]
    buckets = [_bucket(k) for k in keys]
    heldout_keys = {k for k, b in zip(keys, buckets, strict=True) if b < heldout_share}
    by_category: dict[str, dict[str, float]] = defaultdict(dict)
    for it, k, b in zip(items, keys, buckets, strict=True):
        by_category[it["category"]][k] = b
    for texts in by_category.values():
        if len(texts) >= 2 and not heldout_keys.intersection(texts):
            heldout_keys.add(min(texts, key=texts.__getitem__))
    train = [it for it, k in zip(items, keys, strict=True) if k not in heldout_keys]
    heldout = [it for it, k in zip(items, keys, strict=True) if k in heldout_keys]
    return train, heldout


def fingerprint(items: Iterable[dict[str, Any]]) -> str:
    """sha256 over the sorted canonical JSON of the items' text and labels."""
    rows = sorted(
        json.dumps({k: it.get(k) for k in FIELDS}, ensure_ascii=False, sort_keys=True)
        for it in items
    )
    h = hashlib.sha256()
    for row in rows:
        h.update(row.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
