"""`yuqing classify`, `yuqing train`, `yuqing models ...`, `yuqing evaluate`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from service.settings import Settings

BATCH = 1000


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "classify",
        help="分类：从标准输入读 JSON Lines（text，可选 id、title），每行输出一条 JSON 结果；有错误行时退出码为 1",
    )
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("train", help="训练模型：内置标注数据 + 分析员标注")
    p.add_argument("--no-activate", action="store_true", help="只训练，不启用新模型")
    p.add_argument("--no-store", action="store_true", help="不读取存储中的分析员标注")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("models", help="模型版本管理")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    m = msub.add_parser("list", help="列出模型版本")
    m.set_defaults(func=cmd_models_list)
    m = msub.add_parser("activate", help="启用指定版本")
    m.add_argument("version")
    m.set_defaults(func=cmd_models_activate)
    m = msub.add_parser("rollback", help="回退到上一个启用的版本")
    m.set_defaults(func=cmd_models_rollback)

    p = sub.add_parser("evaluate", help="评估：各任务分类报告与混淆矩阵（默认使用留出集）")
    p.add_argument("--data", help="标注数据 JSONL 文件（默认：内置数据的留出集）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出完整报告")
    p.set_defaults(func=cmd_evaluate)


def _registry(settings: Settings) -> Any:
    from nlp.registry import ModelRegistry

    return ModelRegistry(settings.model_path)


# ---- classify --------------------------------------------------------------------
def _parse_line(line: str) -> tuple[str | None, str, str]:
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object with a 'text' field")
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError("'text' is missing or not a string")
    title = obj.get("title") or ""
    if not isinstance(title, str):
        raise ValueError("'title' must be a string")
    item_id = obj.get("id")
    return (None if item_id is None else str(item_id)), text, title


def classify_stream(
    classifier: Any, lines: TextIO, out: TextIO, err: TextIO, batch: int = BATCH
) -> tuple[int, int]:
    """Classify JSON Lines; bad lines get an error on `err` and the run goes on.

    Returns (classified, bad). Input is read in batches so that long streams use
    bounded memory and the model still predicts many texts at once.
    """
    done = bad = 0
    pending: list[tuple[str | None, str, str]] = []

    def flush() -> None:
        nonlocal done
        if not pending:
            return
        preds = classifier.predict([p[1] for p in pending], [p[2] for p in pending])
        for (item_id, _, _), pred in zip(pending, preds, strict=True):
            row = {"id": item_id} | pred.to_dict()
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
        done += len(pending)
        pending.clear()

    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pending.append(_parse_line(line))
        except (json.JSONDecodeError, ValueError) as exc:
            bad += 1
            err.write(f"第 {lineno} 行无法处理 / line {lineno}: {exc}\n")
            err.flush()
            continue
        if len(pending) >= batch:
            flush()
    flush()
    return done, bad


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.registry import RegistryError

    registry = _registry(settings)
    try:
        registry.ensure_active(_say)
        classifier = registry.load()
    except RegistryError as exc:
        _say(f"无法加载模型：{exc}")
        return 1
    done, bad = classify_stream(classifier, sys.stdin, sys.stdout, sys.stderr)
    _say(f"已分类 {done} 条，{bad} 行有误 (model {classifier.model_version})")
    return 0 if bad == 0 else 1


# ---- train -----------------------------------------------------------------------
def _analyst_labels(settings: Settings) -> Callable[[], list[dict[str, Any]]] | None:
    """How to get analysts' labels: from the store through the wiring, when it offers that."""
    try:
        from service.wiring import analyst_training_row, open_store_from
    except ImportError:
        return None

    def fetch() -> list[dict[str, Any]]:
        with open_store_from(settings) as store:
            return [analyst_training_row(i) for i in store.labeled_items()]

    return fetch


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.registry import RegistryError

    extra: list[dict[str, Any]] = []
    fetch = None if args.no_store else _analyst_labels(settings)
    if fetch is None:
        _say("只使用内置标注数据（未读取分析员标注）")
    else:
        try:
            extra = fetch()
            _say(f"从存储读取分析员标注 {len(extra)} 条")
        except Exception as exc:  # the store is optional for training: say so and go on
            _say(f"无法读取存储中的分析员标注（{exc}），只使用内置标注数据")
    try:
        version = _registry(settings).train(extra, activate=not args.no_activate, log=_say)
    except RegistryError as exc:
        _say(f"训练失败：{exc}")
        return 1
    print(version)
    return 0


# ---- models ----------------------------------------------------------------------
def cmd_models_list(args: argparse.Namespace, settings: Settings) -> int:
    metas = _registry(settings).list()
    if not metas:
        print(f"{settings.model_path} 中还没有模型（运行 yuqing train）")
        return 0
    print(f"{'':2}{'版本':<28}{'创建时间(UTC)':<18}{'训练':>4}{'留出':>4}  相关F1  类别F1  风险≥2 F1")
    for m in metas:
        o = m.get("metrics", {}).get("overall", {})
        c = m.get("counts", {})

        def f(key: str, o: dict[str, Any] = o) -> str:
            v = o.get(key)
            return f"{v:.3f}" if isinstance(v, (int, float)) else "  -  "

        print(
            f"{'*' if m.get('active') else ' ':2}{m['version']:<30}{m['created_at'][:19]:<22}"
            f"{c.get('train', 0):>6}{c.get('heldout', 0):>6}  {f('relevance_f1')}  "
            f"{f('category_macro_f1')}  {f('risk_ge2_f1')}"
        )
    return 0


def _switch_model(
    settings: Settings, change: Callable[[Any], str], action: str, failed: str, done: str
) -> int:
    """Activate and rollback differ only in the registry call and the words shown."""
    from nlp.registry import RegistryError

    registry = _registry(settings)
    before = registry.active()
    try:
        version = change(registry)
    except RegistryError as exc:
        _say(f"{failed}：{exc}")
        return 1
    print(f"{done} {version}")
    _audit_model_change(settings, action, before, version)
    return 0


def _audit_model_change(settings: Settings, action: str, before: str | None, version: str) -> None:
    """The same audit entry the dashboard writes; the switch stands even when the store
    cannot be reached (it is said on stderr)."""
    import getpass

    from service.wiring import open_store_from
    from store import model_change

    entry = model_change(action, f"命令行:{getpass.getuser()}", version, before)
    try:
        with open_store_from(settings) as store:
            store.append_audit(entry)
    except Exception as exc:
        _say(f"模型已切换，但未能写入操作记录（{exc}）")


def _activate(registry: Any, version: str) -> str:
    registry.activate(version)
    return version


def cmd_models_activate(args: argparse.Namespace, settings: Settings) -> int:
    return _switch_model(settings, lambda r: _activate(r, args.version), "activate_model", "无法启用", "已启用模型")


def cmd_models_rollback(args: argparse.Namespace, settings: Settings) -> int:
    return _switch_model(settings, lambda r: r.rollback(), "rollback_model", "无法回退", "已回退到模型")


# ---- evaluate --------------------------------------------------------------------
def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.data import LabeledDataError, load_labeled, split
    from nlp.evaluate import evaluate, format_report
    from nlp.registry import RegistryError

    try:
        if args.data:
            path = Path(args.data)
            if not path.exists():
                _say(f"文件不存在：{path}")
                return 2
            items = load_labeled([path])
        else:
            _, items = split(load_labeled(strict=False))
    except LabeledDataError as exc:
        _say(f"标注数据有误：{exc}")
        return 2
    registry = _registry(settings)
    try:
        registry.ensure_active(_say)
        classifier = registry.load()
    except RegistryError as exc:
        _say(f"无法加载模型：{exc}")
        return 1
    report = evaluate(classifier, items)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run these subcommands alone (python -m service.commands.nlp ...), e.g. in tests."""
    from service.settings import ConfigError, load_settings

    parser = argparse.ArgumentParser(prog="yuqing")
    parser.add_argument("--config")
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        _say(str(exc))
        return 2
    return int(args.func(args, settings) or 0)


if __name__ == "__main__":
    sys.exit(main())
