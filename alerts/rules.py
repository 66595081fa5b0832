"""Alert rules from YAML (config/rules.yaml): loading and validation.

Every mistake in a rules file becomes a RuleError that names the file, the rule, the key
and the fix, in Chinese for the people who edit the file. The rule classes themselves
are in alerts.rule_types (re-exported here, the module callers have always imported).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from .labels import CATEGORIES
from .rule_types import (
    RULE_TYPES,
    FrequencyRule,
    ItemRule,
    KeywordRule,
    Rule,
    RumorRule,
    SpikeRule,
    ThresholdRule,
    WindowRule,
    alert_id,
    normalize_for_match,
)

__all__ = [
    "RULE_TYPES", "FrequencyRule", "ItemRule", "KeywordRule", "Rule", "RuleError", "RumorRule",
    "SpikeRule", "ThresholdRule", "WindowRule", "alert_id", "build_rule", "load_rules",
    "normalize_for_match", "parse_rules", "parse_timeframe",
]


class RuleError(Exception):
    """A bad rules file. The message names the file, the rule, the key and the fix."""

    def __init__(self, file: str | Path | None, rule: str | None, key: str, problem: str, fix: str):
        self.file = str(file) if file else "(规则)"
        self.rule, self.key, self.problem, self.fix = rule or "(整个文件)", key, problem, fix
        where = f"规则“{rule}”的" if rule else ""
        if key not in ("(文件)", "(规则)"):
            where += f"键“{key}”"
        super().__init__(
            f"规则文件 {self.file} 有误：{where + '：' if where else ''}{problem}。修改方法：{fix}"
        )


def parse_timeframe(value: Any) -> timedelta:
    """`{hours: 6}` (ElastAlert style) or text such as `30m`, `6h`, `2d`."""
    if isinstance(value, dict):
        units = {"minutes", "hours", "days", "weeks"}
        if not value or set(value) - units:
            raise ValueError(f"只能使用这些键：{'、'.join(sorted(units))}")
        delta = timedelta(**{k: float(v) for k, v in value.items()})
    elif isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*", value)
        if not m:
            raise ValueError("应写成 30m、6h 或 2d 这样的形式")
        n, unit = float(m.group(1)), m.group(2)
        delta = {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n),
                 "w": timedelta(weeks=n)}[unit]
    else:
        raise ValueError("应写成 {hours: 6} 这样的映射或 6h 这样的文本")
    if delta < timedelta(minutes=1):
        raise ValueError("不能短于1分钟")
    return delta


_COMMON = {"name", "type", "description", "enabled", "risk", "risk_floor", "dedupe",
           "categories", "relevant", "min_risk", "districts", "sources"}
_TYPE_KEYS: dict[str, set[str]] = {
    "threshold": {"rumor"},
    "rumor": set(),
    "keyword": {"terms", "fields"},
    "frequency": {"num_events", "timeframe", "group_by", "include_duplicates"},
    "spike": {"spike_height", "min_count", "min_ref", "metric", "timeframe", "group_by",
              "include_duplicates"},
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "threshold": ("min_risk",),
    "rumor": (),
    "keyword": ("terms",),
    "frequency": ("num_events", "timeframe"),
    "spike": ("spike_height", "timeframe"),
}
_EXAMPLES = {
    "min_risk": "min_risk: 2", "terms": "terms: [某某小学, 某某区]", "num_events": "num_events: 5",
    "timeframe": "timeframe: {hours: 6}", "spike_height": "spike_height: 3",
}


class _Checker:
    def __init__(self, file: str | Path | None, rule: str | None, data: dict[str, Any]):
        self.file, self.rule, self.data = file, rule, data

    def fail(self, key: str, problem: str, fix: str) -> RuleError:
        return RuleError(self.file, self.rule, key, problem, fix)

    def integer(self, key: str, default: int, low: int, high: int | None = None) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"“{value}”不是整数", f"例如写成 {key}: {default}")
        if value < low or (high is not None and value > high):
            span = f"{low}..{high} 之间的整数" if high is not None else f"不小于 {low} 的整数"
            raise self.fail(key, f"{value} 超出范围", f"请使用{span}")
        return value

    def number(self, key: str, default: float, low: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
            raise self.fail(key, f"“{value}”不是不小于 {low} 的数", f"例如写成 {key}: {default}")
        return float(value)

    def boolean(self, key: str, default: bool | None, allow_none: bool = False) -> bool | None:
        value = self.data.get(key, default)
        if value is None and allow_none:
            return None
        if not isinstance(value, bool):
            extra = "（或删去此键，表示不限）" if allow_none else ""
            raise self.fail(key, f"“{value}”不是 true/false", f"请写 true 或 false{extra}")
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.data.get(key, default)
        if value not in choices:
            raise self.fail(key, f"不允许的值“{value}”", f"请使用以下之一：{'、'.join(choices)}")
        return value

    def strings(self, key: str, allowed: set[str] | None = None, required: bool = False) -> list[str]:
        value = self.data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "应为非空文本组成的列表", f"例如写成 {key}: [甲, 乙]")
        if required and not value:
            raise self.fail(key, "列表为空", f"至少写一项，例如 {_EXAMPLES.get(key, key)}")
        if allowed is not None:
            bad = [v for v in value if v not in allowed]
            if bad:
                raise self.fail(key, f"未知的值：{'、'.join(bad)}",
                                f"请使用这些机器名：{', '.join(sorted(allowed))}")
        return [v.strip() for v in value]


def build_rule(data: Any, file: str | Path | None = None, index: int = 0) -> Rule:
    """One rule from its YAML mapping; RuleError names file, rule, key and the fix."""
    label = f"第{index + 1}条"
    if not isinstance(data, dict):
        raise RuleError(file, label, "(规则)", "每条规则必须是“键: 值”的映射", "请写 name: ...、type: ... 等键")
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", name or ""):
        raise RuleError(file, label, "name", "缺少名称" if name is None else f"名称“{name}”不合规",
                        "请为每条规则起一个唯一的名称，只用字母、数字和 _ . -（例如 name: high_risk_item）")
    c = _Checker(file, name, data)
    rtype = data.get("type")
    if rtype not in RULE_TYPES:
        raise c.fail("type", f"“{rtype}”不是规则类型", f"请使用以下之一：{'、'.join(RULE_TYPES)}")
    allowed = _COMMON | _TYPE_KEYS[rtype]
    for key in data:
        if key not in allowed:
            raise c.fail(key, f"{rtype} 类型的规则没有这个键", f"请删除此键，或使用以下键之一：{', '.join(sorted(allowed))}")
    for key in _REQUIRED[rtype]:
        if key not in data:
            raise c.fail(key, f"缺少此键（{rtype} 类型必填）", f"请添加，例如 {_EXAMPLES[key]}")
    cls = RULE_TYPES[rtype]
    risk = data.get("risk", "item")
    if risk != "item" and (isinstance(risk, bool) or not isinstance(risk, int) or not 0 <= risk <= 3):
        raise c.fail("risk", f"“{risk}”不是风险等级", "请写 item（沿用信息或事件自身的风险）或 0..3 的等级")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise c.fail("description", "应为文本", "请写一行文字说明")
    common: dict[str, Any] = {
        "name": name, "description": description,
        "enabled": c.boolean("enabled", True),
        "risk": risk, "risk_floor": c.integer("risk_floor", 0, 0, 3),
        "dedupe": c.choice("dedupe", cls.dedupe_choices[0], cls.dedupe_choices),  # type: ignore[attr-defined]
        "categories": c.strings("categories", set(CATEGORIES)),
        "relevant": c.boolean("relevant", True, allow_none=True),
        "min_risk": c.integer("min_risk", 1 if rtype == "rumor" else 0, 0, 3),
        "districts": c.strings("districts"), "sources": c.strings("sources"),
    }
    extra: dict[str, Any] = {}
    if rtype == "threshold":
        extra["rumor"] = c.boolean("rumor", None, allow_none=True)
    elif rtype == "keyword":
        extra["terms"] = c.strings("terms", required=True)
        extra["fields"] = c.strings("fields", {"title", "text", "author"}) or ["title", "text"]
    elif rtype in ("frequency", "spike"):
        try:
            extra["timeframe"] = parse_timeframe(data["timeframe"])
        except (ValueError, TypeError) as exc:
            raise c.fail("timeframe", f"“{data['timeframe']}”不是时间跨度（{exc}）",
                         "例如写成 timeframe: {hours: 6} 或 timeframe: 6h") from None
        default_group = "category" if rtype == "frequency" else "event"
        extra["group_by"] = c.choice("group_by", default_group, ("category", "event"))
        extra["include_duplicates"] = c.boolean("include_duplicates", True)
        if rtype == "frequency":
            extra["num_events"] = c.integer("num_events", 5, 1)
        else:
            extra["spike_height"] = c.number("spike_height", 3.0, 1.0)
            if extra["spike_height"] <= 1.0:
                raise c.fail("spike_height", "必须大于 1", "例如写成 spike_height: 3")
            extra["min_count"] = c.integer("min_count", 3, 1)
            extra["min_ref"] = c.integer("min_ref", 0, 0)
            extra["metric"] = c.choice("metric", "items", ("items", "spread"))
    return cls(**common, **extra)


def parse_rules(data: Any, file: str | Path | None = None) -> list[Rule]:
    """Rules from parsed YAML: `rules: [...]` (or a bare list)."""
    if data is None:
        data = {"rules": []}
    if isinstance(data, list):
        data = {"rules": data}
    if not isinstance(data, dict):
        raise RuleError(file, None, "(文件)", "顶层不是映射", "请写 rules:，在其下逐条列出规则")
    unknown = set(data) - {"rules"}
    if unknown:
        raise RuleError(file, None, str(sorted(unknown, key=str)[0]), "未知的顶层键", "顶层只保留 rules: 一个键")
    raw = data.get("rules") or []
    if not isinstance(raw, list):
        raise RuleError(file, None, "rules", "应为列表", "每条规则写成一个“- name: ...”列表项")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        rule = build_rule(entry, file, index)
        if rule.name in seen:
            raise RuleError(file, rule.name, "name", "名称重复", "请为每条规则起不同的名称")
        seen.add(rule.name)
        rules.append(rule)
    return rules


def load_rules(path: str | Path) -> list[Rule]:
    """Read and validate a rules file. Raises RuleError (file, rule, key, fix)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        why = ("文件不存在" if isinstance(exc, FileNotFoundError) else
               "没有读取权限" if isinstance(exc, PermissionError) else
               "是目录而不是文件" if isinstance(exc, IsADirectoryError) else f"读取出错（错误码 {exc.errno}）")
        raise RuleError(path, None, "(文件)", f"无法读取：{why}",
                        "请检查路径（配置项 alerts.rules_file 或环境变量 YUQING_RULES）") from None
    except UnicodeDecodeError:
        raise RuleError(path, None, "(文件)", "不是 UTF-8 编码的文本", "请将文件另存为 UTF-8 编码") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列附近）" if mark is not None else ""
        raise RuleError(path, None, "(文件)", f"不是有效的 YAML{where}",
                        "请检查 YAML 语法（缩进、冒号、引号）") from None
    return parse_rules(data, path)
