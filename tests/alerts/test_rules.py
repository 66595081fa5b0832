"""Loading rules from YAML and the errors a bad rules file gives."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.labels import CATEGORIES
from alerts.rule_types import (
    RULE_TYPES,
    FrequencyRule,
    KeywordRule,
    SpikeRule,
    ThresholdRule,
    alert_id,
)
from alerts.rules import _COMMON, _TYPE_KEYS, RuleError, load_rules
from service.commands.alerts import cmd_rules_check
from service.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_file_loads_with_the_foundation_rule():
    rules = load_rules(REPO / "config" / "rules.yaml")
    foundation = [r for r in rules if isinstance(r, ThresholdRule) and r.enabled]
    assert foundation and foundation[0].min_risk == 2 and foundation[0].relevant is True
    assert {r.type for r in rules} >= {"threshold", "rumor", "frequency", "spike", "keyword"}


def test_every_type_and_timeframe_forms(tmp_path):
    path = write(tmp_path, """
rules:
  - {name: t, type: threshold, min_risk: 3, categories: [sexual_violence], rumor: false}
  - {name: f, type: frequency, num_events: 4, timeframe: 90m, group_by: event}
  - {name: s, type: spike, spike_height: 2.5, timeframe: {hours: 2}, metric: spread}
  - {name: k, type: keyword, terms: [某某小学], enabled: false}
""")
    t, f, s, k = load_rules(path)
    assert isinstance(t, ThresholdRule) and t.categories == ["sexual_violence"] and t.rumor is False
    assert isinstance(f, FrequencyRule) and f.timeframe == timedelta(minutes=90) and f.group_by == "event"
    assert isinstance(s, SpikeRule) and s.timeframe == timedelta(hours=2) and s.spike_height == 2.5
    assert isinstance(k, KeywordRule) and k.enabled is False and k.dedupe == "item"
    assert f.dedupe == "window"


# ASCII words a Chinese error message may contain: the names the rules file itself uses.
IDENTIFIERS = (
    {"YAML", "UTF", "item", "event", "window", "once", "items", "spread", "category", "true", "false",
     "rules", "alerts", "rules_file", "YUQING_RULES", "name", "high_risk_item", "terms", "hours",
     "minutes", "days", "weeks", "title", "text", "author"}
    | set(RULE_TYPES) | set(CATEGORIES) | {k for keys in _TYPE_KEYS.values() for k in keys} | _COMMON
)


def english_words(message: str, path: Path) -> set[str]:
    """ASCII words of the message that are not identifiers from the rules file."""
    words = set(re.findall(r"[A-Za-z][A-Za-z_]+", message.replace(str(path), "")))
    return words - IDENTIFIERS


@pytest.mark.parametrize(
    ("body", "rule", "key", "fix"),
    [
        ("- {name: a, type: threshold}", "a", "min_risk", "min_risk: 2"),
        ("- {name: a, type: tresh, min_risk: 2}", "a", "type", "threshold"),
        ("- {name: a, type: threshold, min_risk: 5}", "a", "min_risk", "0..3"),
        ("- {name: a, type: threshold, min_risk: 2, categories: [violence]}", "a", "categories", "domestic_violence"),
        ("- {name: a, type: threshold, min_risk: 2, colour: red}", "a", "colour", "请删除此键"),
        ("- {name: a, type: frequency, num_events: 5, timeframe: soon}", "a", "timeframe", "hours: 6"),
        ("- {name: a, type: frequency, num_events: 0, timeframe: 6h}", "a", "num_events", "不小于 1"),
        ("- {name: a, type: spike, spike_height: 1, timeframe: 1h}", "a", "spike_height", "spike_height: 3"),
        ("- {name: a, type: keyword, terms: []}", "a", "terms", "至少写一项"),
        ("- {name: a, type: threshold, min_risk: 2, risk: high}", "a", "risk", "0..3"),
        ("- {name: a, type: threshold, min_risk: 2, dedupe: window}", "a", "dedupe", "item、event"),
        ("- {name: a, type: threshold, min_risk: 2, enabled: 'yes'}", "a", "enabled", "true 或 false"),
        ("- {type: threshold, min_risk: 2}", "第1条", "name", "唯一的名称"),
        ("- {name: a, type: rumor}\n- {name: a, type: rumor}", "a", "name", "不同的名称"),
    ],
)
def test_bad_rule_names_file_rule_key_and_fix(tmp_path, body, rule, key, fix):
    path = write(tmp_path, "rules:\n" + "\n".join("  " + line for line in body.splitlines()) + "\n")
    with pytest.raises(RuleError) as info:
        load_rules(path)
    err = info.value
    assert (err.file, err.rule, err.key) == (str(path), rule, key)
    message = str(err)
    assert str(path) in message and f"规则“{rule}”" in message and f"键“{key}”" in message
    assert "修改方法：" in message and fix in message.split("修改方法：")[1]
    # Chinese only: the only ASCII words are the names used in the rules file.
    extra = english_words(message, path) - set(re.findall(r"[A-Za-z_]+", body))
    assert not extra, message


def test_broken_yaml_and_missing_file(tmp_path):
    broken = write(tmp_path, "rules:\n  - name: a\n   type: rumor\n")
    with pytest.raises(RuleError, match="不是有效的 YAML（第 3 行") as info:
        load_rules(broken)
    assert not english_words(str(info.value), broken)
    with pytest.raises(RuleError, match="无法读取：文件不存在") as info:
        load_rules(tmp_path / "missing.yaml")
    assert not english_words(str(info.value), tmp_path / "missing.yaml")
    with pytest.raises(RuleError, match="顶层只保留 rules:"):
        load_rules(write(tmp_path, "rule: []\n"))


def test_alert_id_is_stable_and_distinguishes_windows():
    a = alert_id("r", "item", "x")
    assert a == alert_id("r", "item", "x")
    assert a != alert_id("r2", "item", "x") != alert_id("r", "item", "x", "w1")


def test_rules_check_command(tmp_path, capsys):
    good = write(tmp_path, "rules:\n  - {name: ok, type: rumor}\n")
    assert cmd_rules_check(argparse.Namespace(file=str(good)), Settings()) == 0
    assert "共 1 条规则" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - {name: broken, type: threshold}\n", encoding="utf-8")
    assert cmd_rules_check(argparse.Namespace(file=str(bad)), Settings()) == 1
    err = capsys.readouterr().err
    assert "broken" in err and "min_risk" in err and str(bad) in err
