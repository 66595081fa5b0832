"""Item search: text, filters, sorting, cursor paging, detail and Excel export."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.dashboard.dashsupport import make_item

ROW_RE = re.compile(r'href="/items/(item\d{3})"')


@pytest.fixture
def seeded(store):
    items = [make_item(n) for n in range(1, 26)]
    items[1].text = "某幼儿园老师虐童视频在网上流传"
    items[2].category, items[2].district = "domestic_violence", "台江区"
    items[3].relevant, items[3].category = False, "none"
    items[4].source = "weibo"
    items[5].title = "=HYPERLINK(\"http://evil.example\",\"点我\")"
    store.upsert_items(items)
    store.set_handling_status("item007", "handling", actor="duty")
    return store


def ids(html: str) -> list[str]:
    return list(dict.fromkeys(ROW_RE.findall(html)))


def test_cursor_paging_covers_everything_once(as_user, seeded):
    c = as_user("duty")
    html = c.get("/items").get_data(as_text=True)
    first = ids(html)
    assert len(first) == 20
    assert "共找到 25 条信息" in html
    match = re.search(r'id="next-page" href="([^"]+)"', html)
    assert match
    html2 = c.get(match.group(1).replace("&amp;", "&")).get_data(as_text=True)
    second = ids(html2)
    assert len(second) == 5
    assert not set(first) & set(second)
    assert 'id="next-page"' not in html2
    assert "回到第一页" in html2


def test_text_search(as_user, seeded):
    html = as_user("duty").get("/items?q=虐童").get_data(as_text=True)
    assert ids(html) == ["item002"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=domestic_violence", {"item003"}),
        ("district=台江区", {"item003"}),
        ("source=weibo", {"item005"}),
        ("relevant=0", {"item004"}),
        ("handling=handling", {"item007"}),
    ],
)
def test_filters(as_user, seeded, query, expected):
    html = as_user("duty").get(f"/items?{query}").get_data(as_text=True)
    assert set(ids(html)) == expected


def test_min_risk_and_sort(as_user, seeded):
    html = as_user("duty").get("/items?min_risk=3").get_data(as_text=True)
    found = ids(html)
    assert found and all(seeded.get_item(i).risk == 3 for i in found)
    assert len(found) == sum(1 for n in range(1, 26) if n % 4 == 3)
    html = as_user("duty").get("/items?sort=risk_desc").get_data(as_text=True)
    risks = [seeded.get_item(i).risk for i in ids(html)]
    assert risks == sorted(risks, reverse=True)
    html = as_user("duty").get("/items?sort=published_asc").get_data(as_text=True)
    assert ids(html)[0] == "item025"  # the oldest


def test_bad_cursor_reports_error_and_shows_first_page(as_user, seeded):
    html = as_user("duty").get("/items?cursor=not-a-cursor").get_data(as_text=True)
    assert "查询失败" in html
    assert len(ids(html)) == 20


def test_item_detail(as_user, seeded):
    html = as_user("duty").get("/items/item003").get_data(as_text=True)
    for text in ("家庭暴力", "欺凌", "+0.900", "台江区", "转发", "30", 'rel="noopener noreferrer"'):
        assert text in html
    assert as_user("duty").get("/items/nope").status_code == 404


def test_excel_export_of_current_search(as_user, seeded):
    resp = as_user("duty").get("/items/export.xlsx?min_risk=2")
    assert resp.status_code == 200
    assert "spreadsheetml" in resp.mimetype
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["标题", "来源", "来源类型"] and "风险等级" in header and "链接" in header
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    expected = {seeded.get_item(f"item{n:03d}").url for n in range(1, 26) if n % 4 >= 2}
    assert {r[header.index("链接")] for r in rows} == expected
    assert {r[header.index("风险等级")] for r in rows} <= {"预警", "紧急"}
    assert ws.title == "信息列表" and ws.freeze_panes == "A2"


def test_excel_keeps_formula_like_text_as_text(as_user, seeded):
    resp = as_user("duty").get("/items/export.xlsx?source=news-a")
    ws = load_workbook(io.BytesIO(resp.data)).active
    cells = [row[0] for row in ws.iter_rows(min_row=2) if str(row[0].value).startswith("=")]
    assert len(cells) == 1
    assert cells[0].data_type == "s"  # a string, not a formula Excel would run
