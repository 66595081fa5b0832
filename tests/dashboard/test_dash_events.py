"""Event list and detail."""

from __future__ import annotations

from datetime import timedelta

from store import Event, utcnow
from tests.dashboard.dashsupport import make_item


def test_event_list_and_detail(as_user, store):
    now = utcnow()
    store.upsert_items([make_item(n, event_id="ev-a" if n <= 3 else None) for n in range(1, 6)])
    store.upsert_events([
        Event(id="ev-a", title="某校欺凌事件", first_seen=now - timedelta(days=2),
              last_seen=now - timedelta(hours=1), item_count=3, max_risk=3,
              category="school_safety", keywords=["欺凌", "学校"]),
        Event(id="ev-b", title="旧事件", first_seen=now - timedelta(days=9),
              last_seen=now - timedelta(days=8), item_count=1, max_risk=1, status="closed"),
    ])
    duty = as_user("duty")
    html = duty.get("/events").get_data(as_text=True)
    assert html.index("某校欺凌事件") < html.index("旧事件")  # most recently active first
    assert "校园安全/欺凌" in html and "欺凌、学校" in html and "已结束" in html
    html = duty.get("/events?status=closed").get_data(as_text=True)
    assert "旧事件" in html and "某校欺凌事件" not in html
    html = duty.get("/events/ev-a").get_data(as_text=True)
    assert "共 3 条" in html
    assert all(f"第{n}条新闻" in html for n in (1, 2, 3))
    assert "第4条新闻" not in html
    assert duty.get("/events/nope").status_code == 404
