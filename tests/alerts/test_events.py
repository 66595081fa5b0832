"""Event grouping on a real SQLite store: reposts of one incident become one event."""

from __future__ import annotations

from datetime import timedelta

from alerts.events import EventGrouper, normalize, shingles, similarity
from store import ItemQuery
from tests.alerts.support import NOW, make_item

ORIGINAL = make_item(
    "某市实验小学一年级学生在校遭高年级学生欺凌 家长质疑学校隐瞒",
    "11月24日，某市实验小学一名一年级学生在厕所内被三名高年级学生围殴，头部受伤送医。"
    "家长称学校事发后未及时通知，并要求删除视频。目前教育局已介入调查。",
    risk=2, published=NOW - timedelta(hours=5),
)
REPOST = make_item(
    "",
    "转发：太气人了！#校园欺凌# 某市实验小学一名一年级学生在厕所内被三名高年级学生围殴，"
    "头部受伤送医。家长称学校事发后未及时通知 @某市教育局 请给个说法 https://t.cn/abc",
    risk=3, source="weibo", published=NOW - timedelta(hours=3),
)
TRADITIONAL = make_item(
    "某市實驗小學一年級學生在校遭高年級學生欺凌 家長質疑學校隱瞞",
    "某市實驗小學一名一年級學生在廁所內被三名高年級學生圍毆，頭部受傷送醫。教育局已介入調查。",
    risk=2, source="forum", published=NOW - timedelta(hours=1),
)
UNRELATED_SAME_CATEGORY = make_item(
    "某县中学食堂饭菜发霉 多名学生腹泻就医",
    "某县第二中学食堂被曝使用过期食材，20余名学生出现腹泻呕吐症状，市场监管部门已封存食材。",
    risk=2, published=NOW - timedelta(hours=2),
)
UNRELATED_OTHER = make_item(
    "女子遭丈夫长期家暴后报警 法院发出人身安全保护令",
    "一名女子多次遭受丈夫殴打，近日向法院申请人身安全保护令获批。",
    risk=1, category="domestic_violence", published=NOW - timedelta(hours=2),
)
IRRELEVANT = make_item("双十一童装促销开始啦", "全场五折", relevant=False, risk=0)


def fresh(*items):
    # the module-level items are templates; each test stores its own copies
    return [type(i)(**i.to_dict()) for i in items]


def test_normalization_drops_noise_and_converts_script():
    assert normalize("轉發：@某人 #話題# 學校 https://x.cn/1 ！！") == normalize("学校")
    a = shingles(ORIGINAL.title + ORIGINAL.text)
    assert similarity(a, shingles(REPOST.text)) > 0.5
    assert similarity(a, shingles(UNRELATED_SAME_CATEGORY.title + UNRELATED_SAME_CATEGORY.text)) < 0.2


def test_reposts_grouped_unrelated_not(store, clock):
    items = fresh(ORIGINAL, REPOST, TRADITIONAL, UNRELATED_SAME_CATEGORY, UNRELATED_OTHER, IRRELEVANT)
    store.upsert_items(items)
    events = EventGrouper(store, clock=clock).group(items)
    by_id = {i.id: i.event_id for i in items}
    incident = by_id[ORIGINAL.id]
    assert incident and by_id[REPOST.id] == incident and by_id[TRADITIONAL.id] == incident
    assert by_id[UNRELATED_SAME_CATEGORY.id] not in (None, incident)
    assert by_id[UNRELATED_OTHER.id] not in (None, incident, by_id[UNRELATED_SAME_CATEGORY.id])
    assert by_id[IRRELEVANT.id] is None
    assert len(events) == 3

    stored = store.get_event(incident)
    assert stored.item_count == 3 and stored.max_risk == 3 and stored.category == "school_safety"
    assert stored.first_seen == ORIGINAL.published_at and stored.last_seen == TRADITIONAL.published_at
    assert "欺凌" in stored.keywords
    # set_event reached the store
    assert store.get_item(REPOST.id).event_id == incident
    assert store.search_items(ItemQuery(event_id=incident, size=10)).total == 3


def test_later_batch_joins_stored_event_and_old_events_are_left_alone(store, clock):
    first = fresh(ORIGINAL)
    store.upsert_items(first)
    grouper = EventGrouper(store, clock=clock, window_days=3)
    grouper.group(first)
    event_id = first[0].event_id

    later = fresh(REPOST)
    store.upsert_items(later)
    grouper.group(later)
    assert later[0].event_id == event_id
    assert store.get_event(event_id).item_count == 2

    # Ten days on, the same story again is a new event: the old one is out of the window.
    clock.advance(days=10)
    again = fresh(TRADITIONAL)
    again[0].published_at = again[0].fetched_at = clock.now
    store.upsert_items(again)
    grouper.group(again)
    assert again[0].event_id not in (None, event_id)
    assert grouper.close_stale() == 1
    assert store.get_event(event_id).status == "closed"


def test_already_grouped_items_are_not_counted_twice(store, clock):
    items = fresh(ORIGINAL, REPOST)
    store.upsert_items(items)
    grouper = EventGrouper(store, clock=clock)
    grouper.group(items)
    assert grouper.group(items) == []
    assert store.get_event(items[0].event_id).item_count == 2


def test_two_bullying_cases_with_shared_boilerplate_stay_apart(store, clock):
    a = make_item("某市第一中学初二学生遭同学欺凌 视频在网上流传",
                  "警方通报：涉事学生已被训诫教育，学校已成立工作专班。", published=NOW - timedelta(hours=4))
    b = make_item("某县第三小学五年级女生遭同学欺凌 家长发帖求助",
                  "警方通报：已对涉事学生进行批评教育，学校已成立工作专班。", published=NOW - timedelta(hours=2))
    store.upsert_items([a, b])
    EventGrouper(store, clock=clock).group([a, b])
    assert a.event_id and b.event_id and a.event_id != b.event_id
