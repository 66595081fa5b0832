"""Rephrased reports of one incident form one event (and one per-event alert); different
incidents of the same category and district stay apart. Real SQLite store throughout."""

from __future__ import annotations

from datetime import timedelta

from alerts.engine import AlertEngine
from alerts.incident import arabic_numbers, conflicts, incident_score, profile
from alerts.rules import parse_rules
from store import AlertQuery
from tests.alerts.grouping_eval import corpus, per_pair
from tests.alerts.grouping_pairs import DIFFERENT, SAME
from tests.alerts.support import NOW, make_item

# The two reports of the demo site (service/demo_site/news.py n1001 and n1071).
DEMO_A = ("河西区一名6岁男童在公园走失 家属和警方连夜寻找",
          "11月下旬的一天傍晚，河西区一名6岁男童在家附近的公园玩耍时与家人走散，至今下落不明。"
          "男童身高约1.15米，走失时穿蓝色羽绒服、黑色运动裤。")
DEMO_B = ("6岁男童河西区公园走失 警方和志愿者正在全力搜寻",
          "河西区一名6岁男童傍晚在家附近公园玩耍时与家人走散，目前仍下落不明。"
          "男童身高约1.15米，走失时身穿蓝色羽绒服和黑色运动裤。")
OTHER_CHILD = ("河西区4岁女童商场内与家人走散 保安半小时找回",
               "河西区一家商场内，一名4岁女童在游乐区与母亲走散，商场保安和民警调取监控，半小时后找到孩子。")


def test_labeled_set_is_big_enough_and_well_formed():
    assert len(SAME) >= 25 and len(DIFFERENT) >= 25
    for category, a, b, hours in SAME + DIFFERENT:
        assert category and all(a) and all(b) and a != b and 0 < hours <= 48


def test_labeled_pairs_one_by_one(tmp_path):
    counts, wrong = per_pair(str(tmp_path))
    # Before this change: precision 1.0 (nothing merged), recall 0.0.
    assert counts.fp == 0, wrong
    assert counts.recall >= 0.8, wrong


def test_labeled_reports_all_in_one_store(tmp_path):
    wrong: list[str] = []
    counts = corpus(str(tmp_path), wrong=wrong)
    assert counts.precision >= 0.95, wrong
    assert counts.recall >= 0.8, wrong


def test_particulars_agree_across_spellings_and_conflicts_veto():
    assert arabic_numbers("八个孩子、三十多个学生、十二岁") == "8个孩子、30多个学生、12岁"
    a = profile(*DEMO_A)
    b = profile(*DEMO_B)
    assert a.ages == b.ages == {6} and a.districts == b.districts == {"河西区"}
    assert incident_score(a, b) > 0.5
    other = profile(*OTHER_CHILD)
    assert conflicts(a, other) and incident_score(a, other) == 0.0  # 6岁 vs 4岁
    nankai = profile("南开区一名6岁男童在公园走失", "南开区一名6岁男童傍晚在公园走失。")
    assert conflicts(a, nankai)  # same story, another district
    grade = profile("某市第一中学初二学生遭同学欺凌", "涉事学生已被训诫教育。")
    assert conflicts(grade, profile("某市第一中学五年级学生遭同学欺凌", "涉事学生已被训诫教育。"))
    assert conflicts(grade, profile("某市第三中学初二学生遭同学欺凌", "涉事学生已被训诫教育。"))


def test_rephrased_report_joins_the_event_and_raises_no_second_alert(store, clock):
    engine = AlertEngine(store, parse_rules([
        {"name": "high", "type": "threshold", "min_risk": 2, "dedupe": "event"},
    ]), clock=clock)
    first = make_item(*DEMO_A, category="trafficking_missing", risk=3, published=NOW - timedelta(hours=5))
    store.upsert_items([first])
    (alert,) = engine.process([first])

    second = make_item(*DEMO_B, category="trafficking_missing", risk=3, source="news-b",
                       published=NOW - timedelta(hours=3))
    store.upsert_items([second])
    assert engine.process([second]) == []  # same event, same risk: the alert exists already
    assert second.event_id == first.event_id == alert.event_id
    event = store.get_event(first.event_id)
    assert event.item_count == 2

    # Another lost child in the same district is another incident: own event, own alert.
    other = make_item(*OTHER_CHILD, category="trafficking_missing", risk=3, published=NOW - timedelta(hours=1))
    store.upsert_items([other])
    (other_alert,) = engine.process([other])
    assert other.event_id not in (None, first.event_id) and other_alert.event_id == other.event_id
    assert len(store.search_alerts(AlertQuery(size=50))[0]) == 2
