"""Source files, URL canonicalization, text hashing and near-duplicate detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.config import SourceConfigError, load_sources, parse_interval, select_sources
from crawlers.dedupe import NearDuplicateIndex, content_hash
from crawlers.spiders.api import as_count, dotted
from crawlers.spiders.paging import fill_template, with_page
from crawlers.textnorm import detect_script
from crawlers.urls import canonical_url

REPO = Path(__file__).resolve().parent.parent.parent


def test_shipped_sources_validate():
    sources = load_sources(REPO / "config" / "sources.yaml")
    names = [s.name for s in sources]
    assert len(names) == len(set(names)) >= 6
    assert {s.kind for s in sources} >= {"rss", "html", "search"}
    weibo = next(s for s in sources if s.kind == "search")
    assert "家暴" in weibo.keywords and "彩礼" in weibo.keywords  # from config/watchlist.yaml
    assert all(s.timezone == "Asia/Shanghai" for s in sources)


def test_demo_sources_take_the_base_url_from_argument_or_environment():
    path = REPO / "config" / "demo_sources.yaml"
    by_arg = load_sources(path, variables={"DEMO_BASE": "http://127.0.0.1:8123/"}, env={})
    assert by_arg[0].start_urls == ["http://127.0.0.1:8123/rss.xml"]
    by_env = load_sources(path, env={"YUQING_DEMO_BASE": "http://127.0.0.1:9001"})
    assert {s.kind for s in by_env} == {"rss", "html", "search", "sitemap"}
    search = next(s for s in by_env if s.kind == "search")
    assert search.search_urls == ["http://127.0.0.1:9001/api/search?q={keyword}&page={page}"]
    with pytest.raises(SourceConfigError) as err:
        load_sources(path, env={})
    assert "demo_sources.yaml" in str(err.value) and "DEMO_BASE" in str(err.value)
    assert err.value.source == "demo_rss" and err.value.key == "start_urls[0]"


GOOD = """
sources:
  - name: a_src
    kind: html
    start_urls: ["http://127.0.0.1/list.html"]
"""


@pytest.mark.parametrize(("body", "source", "key", "words"), [
    ('  - {name: bad_kind, kind: ftp, start_urls: ["http://x/"]}', "bad_kind", "kind", "ftp"),
    ("  - {name: no_urls, kind: rss}", "no_urls", "start_urls", "URL"),
    ('  - {name: bad_int, kind: rss, interval: soon, start_urls: ["http://x/"]}', "bad_int", "interval", "soon"),
    ('  - {name: bad_url, kind: rss, start_urls: ["ftp://x/"]}', "bad_url", "start_urls[0]", "http"),
    ('  - {name: bad_enc, kind: rss, encoding: klingon, start_urls: ["http://x/"]}', "bad_enc", "encoding", "klingon"),
    ('  - {name: bad_tz, kind: rss, timezone: Mars/Base, start_urls: ["http://x/"]}', "bad_tz", "timezone", "Mars"),
    ('  - {name: bad_sel, kind: html, start_urls: ["http://x/"], list: {lnk: a}}', "bad_sel", "list.lnk", "unknown"),
    ('  - {name: bad_pages, kind: html, start_urls: ["http://x/"], pagination: {max_pages: 0}}', "bad_pages", "pagination.max_pages", "at least 1"),
    ('  - {name: no_kw, kind: search, search_urls: ["http://x/s?q=1"], keywords: [a]}', "no_kw", "search_urls[0]", "{keyword}"),
    ('  - {name: typo_key, kind: rss, start_url: ["http://x/"]}', "typo_key", "start_url", "unknown"),
    ('  - {name: a_src, kind: rss, start_urls: ["http://x/"]}', "a_src", "name", "unique"),
    ('  - {name: "Bad Name", kind: rss, start_urls: ["http://x/"]}', "Bad Name", "name", "lower-case"),
])
def test_bad_source_files_name_file_source_and_key(tmp_path, body, source, key, words):
    path = tmp_path / "s.yaml"
    path.write_text(GOOD + body + "\n", encoding="utf-8")
    with pytest.raises(SourceConfigError) as err:
        load_sources(path)
    msg = str(err.value)
    assert str(path) in msg and f"'{source}'" in msg and f"key '{key}'" in msg and words in msg
    assert (err.value.source, err.value.key) == (source, key)


def test_broken_yaml_and_missing_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("sources: [\n  - name: x", encoding="utf-8")
    with pytest.raises(SourceConfigError, match="not valid YAML"):
        load_sources(path)
    with pytest.raises(SourceConfigError, match="cannot be read"):
        load_sources(tmp_path / "nope.yaml")
    path.write_text("sources:\n  - {name: s_a, kind: search, search_urls: ['http://x/?q={keyword}']}\n")
    with pytest.raises(SourceConfigError, match="watchlist"):
        load_sources(path)  # keywords default to the watchlist, which is missing here


def test_select_sources_and_intervals(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(GOOD + '  - {name: b_src, kind: rss, enabled: false, interval: 2h, start_urls: ["http://x/"]}\n')
    sources = load_sources(path)
    assert [s.name for s in select_sources(sources, [])] == ["a_src"]
    assert [s.name for s in select_sources(sources, ["b_src"])] == ["b_src"]
    with pytest.raises(KeyError, match="nope"):
        select_sources(sources, ["nope"])
    assert sources[1].interval_seconds == 7200 and sources[0].interval_seconds == 600
    assert parse_interval("10m") == 600 and parse_interval("45s") == 45 and parse_interval(90) == 90
    assert parse_interval("1d") == 86400
    with pytest.raises(ValueError):
        parse_interval("5s")


def test_canonical_urls_drop_tracking_parameters():
    a = canonical_url("HTTP://News.Example.cn/a/1.html?utm_source=wx&id=7&spm=a.b&from=timeline#top")
    b = canonical_url("http://news.example.cn/a/1.html?share_token=x&fbclid=y&id=7&utm_medium=z")
    assert a == b == "http://news.example.cn/a/1.html?id=7"
    assert canonical_url("http://x.cn/p?b=2&a=1") == "http://x.cn/p?a=1&b=2"
    assert canonical_url("http://x.cn/p?page=2") != canonical_url("http://x.cn/p?page=3")


def test_content_hash_ignores_form_but_not_words():
    a = "某地一女子遭家暴，警方已介入调查。 http://t.cn/x @某人"
    assert content_hash(a) == content_hash("某地一女子遭家暴 警方已介入调查!")
    assert content_hash(a) == content_hash("某地一女子遭家暴，警方已介入調查。")  # Traditional form
    assert content_hash(a) != content_hash("某地一女子遭家暴，警方尚未介入调查。")
    assert content_hash("  ，。 ") is None


def test_near_duplicates_found_and_unrelated_text_not():
    base = ("近日，某街道一名女子因长期遭受丈夫殴打向派出所求助。民警调查后依法对施暴者出具家庭暴力告诫书，"
            "并联系妇联提供心理疏导和法律援助。")
    other = "周末，图书馆少儿阅览室举办亲子阅读节，近百组家庭参加了绘本共读、手工制作和故事表演，现场气氛热烈。"
    idx = NearDuplicateIndex(threshold=0.8)
    assert idx.add("a", base) and idx.add("b", other)
    assert idx.query("转发：" + base.replace("殴打", "打骂") + " #反家暴#") == "a"
    assert idx.query(other + "（图）") == "b"
    assert idx.query("某市举办女职工权益保护讲座，邀请律师讲解孕期、产期、哺乳期的法律规定和维权途径。") is None
    assert idx.query("短文本") is None  # too short to judge
    assert not idx.add("a", base)  # one entry per id


def test_script_detection():
    assert detect_script("家庭暴力受害婦女獲得保護令，社工協助安置。") == "traditional"
    assert detect_script("家庭暴力受害妇女获得保护令，社工协助安置。") == "simplified"
    assert detect_script("hello") == "simplified"


def test_api_helpers():
    data = {"data": {"cards": [{"mblog": {"user": {"screen_name": "甲"}}}], "cardlistInfo": {"page": 2}}}
    assert dotted(data, "data.cards.0.mblog.user.screen_name") == "甲"
    assert dotted(data, "data.cardlistInfo.page") == 2 and dotted(data, "data.nope.x") is None
    assert [as_count(v) for v in (5, "12", "1.2万", "100万+", "3亿", None, "很多")] == [
        5, 12, 12000, 1000000, 300000000, None, None]
    assert fill_template("http://x/s?q={keyword}&p={page}", "家暴", 2) == "http://x/s?q=%E5%AE%B6%E6%9A%B4&p=2"
    assert with_page("http://x/api?q=a&page=1", "page", 3) == "http://x/api?q=a&page=3"
