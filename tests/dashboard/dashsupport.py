"""Builders for test documents (a unique module name: test dirs share sys.path)."""

from __future__ import annotations

from datetime import timedelta

from store import Alert, Item, utcnow

PASSWORDS = {"admin": "admin-pass-1", "duty": "duty-pass-1", "duty2": "duty2-pass-1",
             "analyst": "analyst-pass-1", "gone": "gone-pass-1"}


def make_item(n: int, **overrides) -> Item:
    now = utcnow()
    base = dict(
        id=f"item{n:03d}", url=f"https://news.example.cn/a/{n}", source="news-a",
        source_type="news", title=f"第{n}条新闻", text=f"正文内容 {n}",
        published_at=now - timedelta(hours=n), relevant=True, category="school_safety",
        risk=n % 4, sentiment="negative", district="鼓楼区",
        explanation=[{"term": "欺凌", "weight": 0.9}, {"term": "学校", "weight": 0.4}],
        reposts=n * 10, comments=n, likes=n * 3,
    )
    base.update(overrides)
    return Item(**base)


def make_alert(n: int, **overrides) -> Alert:
    now = utcnow()
    base = dict(id=f"alert{n:03d}", rule="high_risk", title=f"预警{n}", risk=3,
                item_id=f"item{n:03d}", created_at=now - timedelta(minutes=n),
                updated_at=now - timedelta(minutes=n))
    base.update(overrides)
    return Alert(**base)
