"""Score extract_article against a directory of saved pages with ground truth.

DIR/*.html plus DIR/truth.jsonl, one object per page: {"file", "title", "publish_time",
"body"} (null where unknown; only pages whose truth field is not null count for it).

- title: exact match after collapsing whitespace.
- publish time: the extracted time on the page's own wall clock (Article.published_local:
  a naive truth time is what the page shows, e.g. Paris time on a French site; the site's
  zone when the page shows no other) equals the truth at the truth's own precision (same
  minute for "YYYY-MM-DDTHH:MM", same day for "YYYY-MM-DD", ...).
- body: character-level F1 over the bag of non-whitespace characters (multiset
  intersection), so line breaks and indentation do not count but every character does.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.extract import extract_article

__all__ = ["char_f1", "time_matches", "evaluate", "format_report", "EvalError"]


class EvalError(Exception):
    """The benchmark directory or its truth file is unusable; the message says why."""


def _chars(text: str) -> Counter[str]:
    return Counter(ch for ch in text if not ch.isspace())


def char_f1(predicted: str, truth: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of the bags of non-whitespace characters."""
    pred, gold = _chars(predicted or ""), _chars(truth or "")
    if not pred and not gold:
        return 1.0, 1.0, 1.0
    common = sum((pred & gold).values())
    precision = common / sum(pred.values()) if pred else 0.0
    recall = common / sum(gold.values()) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


_PRECISION = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def time_matches(
    predicted: Any, truth: str, timezone: str = "Asia/Shanghai", wall_clock: bool = False
) -> bool:
    """Does the (aware) predicted datetime agree with the truth string to the minute,
    or to the truth's coarser precision when it gives only a day, month or year?
    The predicted time is read in `timezone`, or with `wall_clock` at its own offset
    (it is already the page's wall clock)."""
    if predicted is None:
        return False
    m = _PRECISION.match(truth.strip())
    if not m:
        raise EvalError(f"unreadable publish_time in truth: {truth!r}")
    local = predicted if wall_clock else predicted.astimezone(ZoneInfo(timezone))
    year, month, day, hour, minute, _ = m.groups()
    wanted = [int(year)]
    got = [local.year]
    for value, actual in ((month, local.month), (day, local.day), (hour, local.hour), (minute, local.minute)):
        if value is None:
            break
        wanted.append(int(value))
        got.append(actual)
    return wanted == got


@dataclass
class PageScore:
    file: str
    title_ok: bool | None = None
    time_ok: bool | None = None
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    got_title: str = ""
    got_time: str = ""
    error: str | None = None


@dataclass
class Report:
    pages: list[PageScore] = field(default_factory=list)
    seconds: float = 0.0

    def _rate(self, values: list[bool | None]) -> tuple[float | None, int]:
        counted = [v for v in values if v is not None]
        return (sum(counted) / len(counted) if counted else None), len(counted)

    def summary(self) -> dict[str, Any]:
        title, n_title = self._rate([p.title_ok for p in self.pages])
        when, n_time = self._rate([p.time_ok for p in self.pages])
        f1s = [p.f1 for p in self.pages if p.f1 is not None]
        precs = [p.precision for p in self.pages if p.precision is not None]
        recs = [p.recall for p in self.pages if p.recall is not None]
        return {
            "pages": len(self.pages),
            "title_exact": title, "title_pages": n_title,
            "time_accuracy": when, "time_pages": n_time,
            "body_f1": sum(f1s) / len(f1s) if f1s else None,
            "body_precision": sum(precs) / len(precs) if precs else None,
            "body_recall": sum(recs) / len(recs) if recs else None,
            "body_pages": len(f1s),
            "seconds": round(self.seconds, 2),
        }


def _load_truth(directory: Path) -> list[dict[str, Any]]:
    truth_file = directory / "truth.jsonl"
    if not directory.is_dir():
        raise EvalError(f"目录不存在 / not a directory: {directory}")
    if not truth_file.is_file():
        raise EvalError(f"缺少 truth.jsonl / missing {truth_file}")
    rows = []
    for number, line in enumerate(truth_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{truth_file}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("file"), str):
            raise EvalError(f"{truth_file}:{number}: needs an object with a 'file' string")
        rows.append(row)
    if not rows:
        raise EvalError(f"{truth_file} has no rows")
    return rows


def evaluate(directory: str | Path, timezone: str = "Asia/Shanghai") -> Report:
    directory = Path(directory)
    report = Report()
    started = time.perf_counter()
    for row in _load_truth(directory):
        page = PageScore(file=row["file"])
        report.pages.append(page)
        path = directory / row["file"]
        if not path.is_file() or path.resolve().parent != directory.resolve():
            page.error = "file missing"
            article = None
        else:
            try:
                article = extract_article(path.read_bytes(), row.get("url") or "", timezone=timezone)
            except Exception as exc:  # a crash is a finding: score the page as empty
                page.error = f"{type(exc).__name__}: {exc}"
                article = None
        title = article.title if article else ""
        published = article.published_at if article else None
        local = article.published_local if article else None
        body = article.text if article else ""
        page.got_title = title
        page.got_time = _shown_time(published, local, timezone)
        if row.get("title") is not None:
            page.title_ok = " ".join(title.split()) == " ".join(str(row["title"]).split())
        if row.get("publish_time") is not None:
            if local is not None:
                page.time_ok = time_matches(local, str(row["publish_time"]), timezone, wall_clock=True)
            else:
                page.time_ok = time_matches(published, str(row["publish_time"]), timezone)
        if row.get("body") is not None:
            page.precision, page.recall, page.f1 = char_f1(body, str(row["body"]))
    report.seconds = time.perf_counter() - started
    return report


def _shown_time(published: Any, local: Any, timezone: str) -> str:
    """The extracted time as the page's wall clock, with its offset when that is not
    the site zone's (a foreign site showing its own local time)."""
    if published is None:
        return ""
    site = published.astimezone(ZoneInfo(timezone))
    if local is None or local.utcoffset() == site.utcoffset():
        return site.strftime("%Y-%m-%d %H:%M")
    return local.strftime("%Y-%m-%d %H:%M%z")


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def format_report(report: Report, worst: int = 8) -> str:
    lines = ["file        title  time   P      R      F1     extracted time    title"]
    for p in report.pages:
        flag = {True: "ok", False: "NO", None: "-"}
        lines.append(
            f"{p.file:<11} {flag[p.title_ok]:<6} {flag[p.time_ok]:<6} {_fmt(p.precision)}  "
            f"{_fmt(p.recall)}  {_fmt(p.f1)}  {p.got_time or '-':<17} {p.got_title[:40]}"
            + (f"  [{p.error}]" if p.error else "")
        )
    s = report.summary()
    lines += [
        "",
        f"pages: {s['pages']}   time: {s['seconds']} s",
        _title_line(s),
        f"发布时间准确率 publish time (same minute, or the truth's precision): {_fmt(s['time_accuracy'])} over {s['time_pages']} pages",
        f"正文字符 F1 body char F1 (bag of non-whitespace characters): {_fmt(s['body_f1'])} "
        f"(P {_fmt(s['body_precision'])}, R {_fmt(s['body_recall'])}) over {s['body_pages']} pages",
    ]
    scored = sorted((p for p in report.pages if p.f1 is not None), key=lambda p: p.f1 or 0)
    if scored and worst:
        lines.append("worst body F1: " + ", ".join(f"{p.file} {p.f1:.2f}" for p in scored[:worst]))
    return "\n".join(lines)


def _title_line(s: dict[str, Any]) -> str:
    if not s["title_pages"]:
        # a rate over no pages would read as 0 or 1: say what is missing instead
        return ("标题完全匹配 title exact match: 无法评测 not measurable "
                "(truth.jsonl 中没有标题 / no page has a title truth)")
    return (f"标题完全匹配 title exact match: {_fmt(s['title_exact'])} "
            f"over {s['title_pages']} pages with a title truth")


if __name__ == "__main__":  # python -m crawlers.eval_extract DIR
    import sys

    print(format_report(evaluate(sys.argv[1])))
