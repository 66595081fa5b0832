"""`yuqing eval-extract DIR`: score the article extractor against saved pages with truth."""

from __future__ import annotations

import argparse
import json
import sys

from service.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval-extract",
        help="正文抽取评测：对目录中的 *.html 与 truth.jsonl 计算标题、发布时间与正文字符 F1",
    )
    p.add_argument("dir", metavar="DIR", help="包含 *.html 与 truth.jsonl 的目录")
    p.add_argument("--json", action="store_true", help="以 JSON 输出逐页与总体结果")
    p.add_argument("--worst", type=int, default=8, help="列出正文 F1 最低的页面数（默认 8）")
    p.set_defaults(func=cmd_eval_extract)


def cmd_eval_extract(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from crawlers.eval_extract import EvalError, evaluate, format_report

    try:
        report = evaluate(args.dir, timezone=settings.timezone)
    except EvalError as exc:
        print(f"评测失败 / evaluation failed: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"summary": report.summary(), "pages": [asdict(p) for p in report.pages]},
                         ensure_ascii=False, indent=2))
    else:
        print(format_report(report, worst=args.worst))
    return 0
