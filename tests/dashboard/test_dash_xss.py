"""Crawled text is hostile: it must come out escaped everywhere it is shown."""

from __future__ import annotations

import pytest

from store import Event, utcnow
from tests.dashboard.dashsupport import make_alert, make_item

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def evil(store):
    now = utcnow()
    store.upsert_items([make_item(1, title=EVIL, text='<img src=x onerror="alert(2)">正文',
                                  url="javascript:alert(3)", author=EVIL, source=EVIL,
                                  event_id="ev1",
                                  explanation=[{"term": "<b>词</b>", "weight": 1.0}])])
    store.upsert_alerts([make_alert(1, title=EVIL, event_id="ev1")])
    store.upsert_events([Event(id="ev1", title=EVIL, first_seen=now, last_seen=now,
                               item_count=1, max_risk=3, keywords=[EVIL])])
    return store


@pytest.mark.parametrize("path", ["/alerts", "/alerts/alert001", "/items", "/items/item001",
                                  "/events", "/events/ev1"])
def test_script_title_renders_escaped(as_user, evil, path):
    html = as_user("admin").get(path).get_data(as_text=True)
    assert EVIL not in html
    assert "<img src=x" not in html and "<b>词</b>" not in html
    assert ESCAPED in html


def test_javascript_url_is_never_a_link(as_user, evil):
    for path in ("/alerts/alert001", "/items/item001"):
        html = as_user("duty").get(path).get_data(as_text=True)
        assert 'href="javascript:' not in html
        assert "javascript:alert(3)" in html  # shown as inert text


def test_feed_json_carries_text_not_markup(as_user, evil):
    resp = as_user("duty").get("/alerts/feed.json")
    assert resp.mimetype == "application/json"
    assert resp.get_json()["alerts"][0]["title"] == EVIL  # app.js inserts it with textContent


def test_search_highlight_keeps_hostile_text_escaped(as_user, store):
    store.upsert_items([make_item(2, title="<b onmouseover=x>家暴</b>事件", text="<i>家暴</i>调查")])
    html = as_user("duty").get("/items?q=家暴").get_data(as_text=True)
    assert "&lt;b onmouseover=x&gt;<mark>家暴</mark>&lt;/b&gt;事件" in html
    assert "&lt;i&gt;<mark>家暴</mark>&lt;/i&gt;调查" in html
    assert "<b onmouseover" not in html and "<i>" not in html
