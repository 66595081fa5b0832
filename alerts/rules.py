"""Alert rules declared in YAML (config/rules.yaml), ElastAlert2 style: each YAML entry
becomes one small rule object.

Item rules look at one item at a time (threshold, rumor, keyword). Window rules look at
counts in the store over a time window (frequency, spike). Every alert gets a stable id
(hash of rule + item/event/group (+ window)) so a re-run never raises it twice.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import opencc
import yaml

from store import Alert, Event, Item, ItemQuery, Store

from .labels import CATEGORIES, category_name, effective_labels
from .text import clean_line

_T2S = opencc.OpenCC("t2s")


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


def alert_id(rule: str, scope: str, key: str, window: str = "") -> str:
    """Stable id: the same rule on the same item/event/group (and window) is one alert."""
    raw = "\x00".join((rule, scope, key, window))
    return "al-" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:24]


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


def _describe(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}天"
    if minutes % 60 == 0:
        return f"{minutes // 60}小时"
    return f"{minutes}分钟"


def normalize_for_match(text: str) -> str:
    """Simplified, lower-case, no spaces: watch terms match across scripts and spacing."""
    return re.sub(r"\s+", "", _T2S.convert(text or "")).lower()


# ---------------------------------------------------------------------------------------
# Rule objects


@dataclass
class Rule(ABC):
    name: str
    type: ClassVar[str]
    description: str = ""
    enabled: bool = True
    risk: int | str = "item"  # a fixed level 0..3, or "item": the item's/event's own risk
    risk_floor: int = 0  # the alert's risk is at least this
    dedupe: str = ""
    # filters shared by every rule type
    categories: list[str] = field(default_factory=list)
    relevant: bool | None = True
    min_risk: int = 0
    districts: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def alert_risk(self, observed: int) -> int:
        base = observed if self.risk == "item" else int(self.risk)
        return max(0, min(3, max(base, self.risk_floor)))


class ItemRule(Rule):
    """Looks at one item; dedupe per item, or per event (plus risk, so escalation re-alerts)."""

    dedupe_choices: ClassVar[tuple[str, ...]] = ("item", "event")

    def check(self, item: Item) -> Alert | None:
        labels = effective_labels(item)
        if not self._passes_filters(item, labels) or not self._matches(item, labels):
            return None
        risk = self.alert_risk(labels["risk"])
        if self.dedupe == "event" and item.event_id:
            aid = alert_id(self.name, "event", item.event_id, f"risk{risk}")
        else:
            aid = alert_id(self.name, "item", item.id)
        return Alert(
            id=aid, rule=self.name, title=self._title(item, labels), risk=risk,
            item_id=item.id, event_id=item.event_id, category=labels["category"],
        )

    def _passes_filters(self, item: Item, labels: dict[str, Any]) -> bool:
        if item.duplicate_of:  # a copy only raises the original's spread
            return False
        if self.relevant is not None and labels["relevant"] != self.relevant:
            return False
        if self.categories and labels["category"] not in self.categories:
            return False
        if labels["risk"] < self.min_risk:
            return False
        if self.districts and item.district not in self.districts:
            return False
        return not (self.sources and item.source not in self.sources)

    @abstractmethod
    def _matches(self, item: Item, labels: dict[str, Any]) -> bool: ...

    def _headline(self, item: Item) -> str:
        return clean_line(item.title or item.text, 60) or "(无标题)"

    def _title(self, item: Item, labels: dict[str, Any]) -> str:
        return f"{category_name(labels['category'])}：{self._headline(item)}"


@dataclass
class ThresholdRule(ItemRule):
    """An item with risk >= min_risk (the foundation rule), optional filters."""

    type: ClassVar[str] = "threshold"
    rumor: bool | None = None

    def _matches(self, item: Item, labels: dict[str, Any]) -> bool:
        return self.rumor is None or labels["rumor_suspected"] == self.rumor


@dataclass
class RumorRule(ItemRule):
    """An item flagged rumor_suspected with risk >= min_risk."""

    type: ClassVar[str] = "rumor"

    def _matches(self, item: Item, labels: dict[str, Any]) -> bool:
        return labels["rumor_suspected"]

    def _title(self, item: Item, labels: dict[str, Any]) -> str:
        return f"【疑似谣言】{category_name(labels['category'])}：{self._headline(item)}"


@dataclass
class KeywordRule(ItemRule):
    """Watch terms (local schools, districts, names) in the title or text of an item."""

    type: ClassVar[str] = "keyword"
    terms: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=lambda: ["title", "text"])

    def __post_init__(self) -> None:
        self._normalized = [(t, normalize_for_match(t)) for t in self.terms]

    def matched_terms(self, item: Item) -> list[str]:
        haystack = normalize_for_match(" ".join(getattr(item, f) or "" for f in self.fields))
        return [term for term, norm in self._normalized if norm and norm in haystack]

    def _matches(self, item: Item, labels: dict[str, Any]) -> bool:
        return bool(self.matched_terms(item))

    def _title(self, item: Item, labels: dict[str, Any]) -> str:
        terms = "、".join(self.matched_terms(item)[:3])
        return f"【关注词：{clean_line(terms, 40)}】{self._headline(item)}"


@dataclass
class WindowRule(Rule):
    """Counts in the store over a time window, per category or per event."""

    dedupe_choices: ClassVar[tuple[str, ...]] = ("window", "once")
    timeframe: timedelta = timedelta(hours=6)
    group_by: str = "category"  # category | event
    include_duplicates: bool = True  # reposts are volume

    def window_key(self, now: datetime) -> str:
        # Windows are aligned buckets so runs inside one bucket share the alert id.
        seconds = int(self.timeframe.total_seconds())
        bucket = int(now.timestamp()) // seconds
        return f"{seconds}s@{bucket}"

    def _query(self, since: datetime, until: datetime, **narrow: Any) -> ItemQuery:
        """The rule's filters over [since, until); `narrow` (one category / event) wins."""
        fields: dict[str, Any] = {
            "since": since, "until": until, "relevant": self.relevant,
            "categories": list(self.categories), "min_risk": self.min_risk or None,
            "districts": list(self.districts), "sources": list(self.sources),
            "include_duplicates": self.include_duplicates, "size": 1,
        }
        fields.update(narrow)
        return ItemQuery(**fields)

    def _make_alert(self, now: datetime, group: str, title: str, risk: int,
                    event: Event | None = None, category: str | None = None) -> Alert:
        window = "" if self.dedupe == "once" else self.window_key(now)
        return Alert(
            id=alert_id(self.name, self.group_by, group, window), rule=self.name,
            title=title, risk=self.alert_risk(risk),
            event_id=event.id if event else None,
            category=category if category is not None else (event.category if event else None),
        )

    def candidate_events(self, store: Store, since: datetime,
                         only: set[str] | None) -> list[Event]:
        if only is not None:
            events = [e for e in (store.get_event(i) for i in sorted(only)) if e is not None]
        else:
            events = store.list_events(status="open", limit=1000)
        return [
            e for e in events
            if e.last_seen >= since and (not self.categories or e.category in self.categories)
        ]

    def max_risk_in(self, store: Store, since: datetime, until: datetime,
                    category: str | None = None) -> int:
        """The highest risk among matching items of the window (of one category when set)."""
        query = self._query(since, until)
        if category is not None:
            query.categories = [category]
        buckets = store.aggregate_items(query, by="risk")
        return max((int(k) for k, n in buckets if n > 0 and str(k).isdigit()), default=0)

    @abstractmethod
    def evaluate(self, store: Store, now: datetime, categories: set[str] | None = None,
                 events: set[str] | None = None) -> list[Alert]:
        """Alerts for the window ending at `now`; limit to the given groups when set."""


@dataclass
class FrequencyRule(WindowRule):
    """At least num_events matching items of one category (or one event) within timeframe."""

    type: ClassVar[str] = "frequency"
    num_events: int = 5

    def evaluate(self, store: Store, now: datetime, categories: set[str] | None = None,
                 events: set[str] | None = None) -> list[Alert]:
        since = now - self.timeframe
        span = _describe(self.timeframe)
        alerts: list[Alert] = []
        if self.group_by == "category":
            counts = store.aggregate_items(self._query(since, now), by="category")
            for category, count in counts:
                if count < self.num_events or (categories is not None and category not in categories):
                    continue
                risk = self.max_risk_in(store, since, now, category) if self.risk == "item" else 0
                title = f"【集中出现】{category_name(category)}类信息{span}内达到{count}条"
                alerts.append(self._make_alert(now, str(category), title, risk, category=category))
        else:
            for event in self.candidate_events(store, since, events):
                count = store.search_items(self._query(since, now, event_id=event.id)).total
                if count >= self.num_events:
                    title = f"【集中出现】事件「{clean_line(event.title, 40)}」{span}内{count}条"
                    alerts.append(self._make_alert(now, event.id, title, event.max_risk, event=event))
        return alerts


@dataclass
class SpikeRule(WindowRule):
    """Item count (or spread) of an event/category grows by spike_height vs the previous window."""

    type: ClassVar[str] = "spike"
    spike_height: float = 3.0
    min_count: int = 3  # the current window needs at least this much (no alerts on 1 -> 3)
    min_ref: int = 0  # the previous window needs at least this much
    metric: str = "items"  # items | spread (items plus the copies counted on them)
    group_by: str = "event"

    def measure(self, store: Store, since: datetime, until: datetime, **extra: Any) -> int:
        if self.metric == "items":
            return store.search_items(self._query(since, until, **extra)).total
        total, cursor = 0, None
        for _ in range(50):  # bounded paging: at most 50 x 200 items per window
            query = self._query(since, until, **extra)
            query.size, query.cursor, query.include_duplicates = 200, cursor, False
            page = store.search_items(query)
            total += sum(1 + max(i.spread_count, 0) for i in page.items)
            cursor = page.next_cursor
            if not cursor or not page.items:
                break
        return total

    def is_spike(self, ref: int, cur: int) -> bool:
        return cur >= self.min_count and ref >= self.min_ref and cur >= self.spike_height * max(ref, 1)

    def evaluate(self, store: Store, now: datetime, categories: set[str] | None = None,
                 events: set[str] | None = None) -> list[Alert]:
        cur_since, ref_since = now - self.timeframe, now - 2 * self.timeframe
        span, what = _describe(self.timeframe), ("条数" if self.metric == "items" else "传播量")
        alerts: list[Alert] = []
        if self.group_by == "event":
            for event in self.candidate_events(store, cur_since, events):
                cur = self.measure(store, cur_since, now, event_id=event.id)
                ref = self.measure(store, ref_since, cur_since, event_id=event.id)
                if self.is_spike(ref, cur):
                    title = f"【传播激增】事件「{clean_line(event.title, 40)}」近{span}{what}{ref}→{cur}"
                    alerts.append(self._make_alert(now, event.id, title, event.max_risk, event=event))
        else:
            names = [c for c in CATEGORIES if c != "none"] if not self.categories else self.categories
            for category in names:
                if categories is not None and category not in categories:
                    continue
                cur = self.measure(store, cur_since, now, categories=[category])
                ref = self.measure(store, ref_since, cur_since, categories=[category])
                if self.is_spike(ref, cur):
                    risk = self.max_risk_in(store, cur_since, now, category)
                    title = f"【传播激增】{category_name(category)}类近{span}{what}{ref}→{cur}"
                    alerts.append(self._make_alert(now, category, title, risk, category=category))
        return alerts


RULE_TYPES: dict[str, type[Rule]] = {
    cls.type: cls for cls in (ThresholdRule, RumorRule, KeywordRule, FrequencyRule, SpikeRule)
}

# ---------------------------------------------------------------------------------------
# Loading and validation

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
