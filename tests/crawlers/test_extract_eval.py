"""The extraction benchmark: metrics, a small page set written here, and the CLI."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawlers.eval_extract import EvalError, char_f1, evaluate, format_report, time_matches

REPO = Path(__file__).resolve().parents[2]

BODY = ("市妇联联合公安、教育部门开展“护苗”专项行动，走访辖区中小学和幼儿园二十余所。\n"
        "行动重点排查校园周边安全隐患，并为家长举办儿童防性侵知识讲座。")


def page(title: str, time_text: str, body: str = BODY) -> str:
    paras = "".join(f"<p>{line}</p>" for line in body.splitlines())
    return (f"<html><head><meta charset='utf-8'><title>{title}_某某网</title></head><body>"
            f"<div class='nav'><a href='/'>首页</a> <a href='/n'>新闻</a></div>"
            f"<h1>{title}</h1><div class='info'>{time_text} 来源：某某日报</div>"
            f"<div class='content'>{paras}</div></body></html>")


def test_char_f1() -> None:
    assert char_f1("abc", "abc") == (1.0, 1.0, 1.0)
    p, r, f = char_f1("ab", "abcd")
    assert (p, r) == (1.0, 0.5) and f == pytest.approx(2 / 3)
    assert char_f1("a b\nc", "abc")[2] == 1.0  # whitespace does not count
    assert char_f1("", "abc") == (0.0, 0.0, 0.0)
    assert char_f1("xyz", "abc")[2] == 0.0


def test_time_matches_at_the_truths_precision() -> None:
    got = datetime(2024, 3, 1, 4, 0, 30, tzinfo=UTC)  # 12:00:30 in Shanghai
    assert time_matches(got, "2024-03-01T12:00")
    assert not time_matches(got, "2024-03-01T12:01")
    assert time_matches(got, "2024-03-01")
    assert time_matches(got, "2024-03")
    assert time_matches(got, "2024")
    assert not time_matches(got, "2024-03-02")
    assert not time_matches(None, "2024-03-01")
    with pytest.raises(EvalError):
        time_matches(got, "yesterday")


def test_time_matches_on_the_pages_wall_clock() -> None:
    paris = datetime(2022, 2, 6, 13, 48, 6, tzinfo=timezone(timedelta(hours=1)))
    assert time_matches(paris, "2022-02-06T13:48", wall_clock=True)
    assert not time_matches(paris, "2022-02-06T20:48", wall_clock=True)
    # without wall_clock the same instant is read in the site zone
    assert time_matches(paris, "2022-02-06T20:48")


def test_naive_truth_is_compared_with_the_clock_the_page_shows(tmp_path: Path) -> None:
    paras = "".join(f"<p>{line}</p>" for line in BODY.splitlines())
    (tmp_path / "paris.html").write_text(
        "<html><head><meta charset='utf-8'><title>法国妇女权益报道_某台</title>"
        "<meta property='article:published_time' content='2022-02-06T12:48:06+00:00'></head><body>"
        "<h1>法国妇女权益报道</h1><p>发表时间：<time datetime='2022-02-06T12:48:06+00:00'>06/02/2022 - 13:48</time></p>"
        f"<div class='content'>{paras}</div></body></html>", encoding="utf-8")
    rows = [{"file": "paris.html", "title": None, "publish_time": "2022-02-06T13:48", "body": BODY}]
    (tmp_path / "truth.jsonl").write_text(json.dumps(rows[0], ensure_ascii=False), encoding="utf-8")
    report = evaluate(tmp_path)
    assert report.pages[0].time_ok is True
    assert report.pages[0].got_time == "2022-02-06 13:48+0100"
    text = format_report(report)
    assert "not measurable" in text and "title exact match: 0" not in text


@pytest.fixture
def bench_dir(tmp_path: Path) -> Path:
    (tmp_path / "a.html").write_text(page("护苗专项行动走进校园", "2024-03-01 12:00"), encoding="utf-8")
    (tmp_path / "b.html").write_bytes(page("家长课堂开讲", "2024年3月2日 09:30").encode("gbk"))
    rows = [
        {"file": "a.html", "title": "护苗专项行动走进校园", "publish_time": "2024-03-01T12:00", "body": BODY},
        # wrong truths on purpose: the scores must show them
        {"file": "b.html", "title": "别的标题", "publish_time": "2024-03-02T10:30", "body": BODY},
        {"file": "missing.html", "title": None, "publish_time": None, "body": "不存在的页面正文"},
    ]
    (tmp_path / "truth.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                                          encoding="utf-8")
    return tmp_path


def test_evaluate_scores_each_field_over_known_truths(bench_dir: Path) -> None:
    report = evaluate(bench_dir)
    by_file = {p.file: p for p in report.pages}
    assert by_file["a.html"].title_ok and by_file["a.html"].time_ok
    assert by_file["a.html"].f1 == pytest.approx(1.0)
    assert by_file["b.html"].title_ok is False and by_file["b.html"].time_ok is False
    assert by_file["b.html"].f1 == pytest.approx(1.0)  # GBK bytes decoded right
    assert by_file["missing.html"].error == "file missing" and by_file["missing.html"].f1 == 0.0
    s = report.summary()
    assert (s["title_pages"], s["time_pages"], s["body_pages"]) == (2, 2, 3)
    assert s["title_exact"] == 0.5 and s["time_accuracy"] == 0.5
    assert s["body_f1"] == pytest.approx(2 / 3)


def test_bad_truth_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match="truth.jsonl"):
        evaluate(tmp_path)
    (tmp_path / "truth.jsonl").write_text('{"file": "a.html"}\nnot json\n', encoding="utf-8")
    with pytest.raises(EvalError, match=":2:"):
        evaluate(tmp_path)


def test_cli_eval_extract(bench_dir: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "service.cli", "eval-extract", str(bench_dir)],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "title exact match: 0.500" in run.stdout
    assert "body char F1" in run.stdout and "a.html" in run.stdout
    run = subprocess.run([sys.executable, "-m", "service.cli", "eval-extract", "--json", str(bench_dir)],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert json.loads(run.stdout)["summary"]["time_accuracy"] == 0.5
    run = subprocess.run([sys.executable, "-m", "service.cli", "eval-extract", str(bench_dir / "nope")],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "not a directory" in run.stderr
