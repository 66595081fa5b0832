"""Encodings, broken sources and duplicates, crawled over real HTTP on 127.0.0.1."""

from __future__ import annotations

from crawlpages import ARTICLES, article_html, list_html
from crawlsite import closed_port

from store import ItemQuery

SEL = '{title: "h1.title::text", published: "div.info span.time::text", content: "div.content p"}'
GB_TEXT = "区妇联接到反映，一名女工因怀孕被辞退，已协助其申请劳动仲裁。"
RARE = "𠮷"  # outside GBK: only GB18030 (four bytes) can carry it
BIG5_TEXT = "家庭暴力受害婦女獲得保護令，社工協助安置並提供心理輔導。"


def _page(title: str, text: str, charset: str | None) -> str:
    meta = f"<meta charset='{charset}'>" if charset else ""
    return (f"<html><head>{meta}<title>{title}</title></head><body><h1 class='title'>{title}</h1>"
            f"<div class='info'><span class='time'>2025-11-20 10:00</span></div>"
            f"<div class='content'><p>{text}</p></div></body></html>")


def _items(store):
    return {i.url: i for i in store.search_items(ItemQuery(size=100, include_duplicates=True)).items}


def test_chinese_encodings_with_lying_or_missing_headers(site, crawl):
    site.add("/robots.txt", "", "text/plain")
    site.add("/enc/list.html", list_html([("gbk.html", "甲"), ("gb18030.html", "乙"), ("big5.html", "丙"),
                                          ("nohead.html", "丁")], None).replace("utf-8", "gbk").encode("gbk"),
             "text/html; charset=gbk")
    # header says gbk, correct
    site.add("/enc/gbk.html", _page("女工孕期被辞退", GB_TEXT, "gbk").encode("gbk"), "text/html; charset=GBK")
    # no charset in the header, meta says gb18030, text has a character GBK lacks
    site.add("/enc/gb18030.html", _page("吉祥" + RARE, GB_TEXT + RARE, "gb18030").encode("gb18030"), "text/html")
    # header lies (utf-8), meta says big5
    site.add("/enc/big5.html", _page("婦女獲得保護令", BIG5_TEXT, "big5").encode("big5"),
             "text/html; charset=utf-8")
    # no Content-Type at all, meta gb2312
    site.add("/enc/nohead.html", _page("无头部编码", "本页面没有任何响应头编码声明，只能依靠页面内的声明来解码中文。", "gb2312").encode("gbk"), "")
    # neither header nor meta: only the source's encoding override can read it
    site.add("/ovr/list.html", list_html([("a.html", "x")], None).replace("<meta charset='utf-8'>", "").encode("gbk"),
             "text/html; charset=utf-8")
    site.add("/ovr/a.html", _page("编码覆盖测试", "来源配置了编码覆盖，页面本身既没有声明也被响应头误报为UTF-8。", None).encode("gbk"),
             "text/html; charset=utf-8")
    # a GBK feed whose header claims UTF-8; its XML declaration tells the truth
    feed_text = GB_TEXT * 8
    site.add("/enc/feed.xml", (
        "<?xml version='1.0' encoding='gbk'?><rss version='2.0'><channel><title>编码</title>"
        f"<item><title>女工维权</title><link>{site.base}/enc/item.html</link>"
        f"<description>{feed_text}</description></item></channel></rss>").encode("gbk"),
        "text/xml; charset=utf-8")
    crawl.write_sources(f"""
sources:
  - {{name: t_encfeed, kind: rss, start_urls: ["{site.base}/enc/feed.xml"]}}
  - {{name: t_enc, kind: html, start_urls: ["{site.base}/enc/list.html"], list: {{link: "ul.news-list a::attr(href)"}}, article: {SEL}}}
  - {{name: t_ovr, kind: html, encoding: gbk, start_urls: ["{site.base}/ovr/list.html"], list: {{link: "ul.news-list a::attr(href)"}}, article: {SEL}}}
""")
    report = crawl.run([])
    assert report["exit"] == 0, report
    items = _items(crawl.store())
    b = site.base
    assert items[f"{b}/enc/gbk.html"].text == GB_TEXT
    assert items[f"{b}/enc/gb18030.html"].text == GB_TEXT + RARE
    assert items[f"{b}/enc/gb18030.html"].title == "吉祥" + RARE
    big5 = items[f"{b}/enc/big5.html"]
    assert big5.text == BIG5_TEXT and big5.script == "traditional"
    assert items[f"{b}/enc/gbk.html"].script == "simplified"
    assert "只能依靠页面内的声明" in items[f"{b}/enc/nohead.html"].text
    assert items[f"{b}/ovr/a.html"].title == "编码覆盖测试"
    assert items[f"{b}/enc/item.html"].title == "女工维权" and items[f"{b}/enc/item.html"].text == feed_text


def test_broken_sources_are_logged_and_skipped(site, crawl):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    site.add("/private/feed.xml", "<rss version='2.0'><channel><title>x</title></channel></rss>", "application/rss+xml")
    # an off-site link (another host name, same server) is not followed
    site.add("/good/list.html", list_html([("1.html", "a"), (f"http://localhost:{site.port}/good/9.html", "x")], None))
    site.add("/good/1.html", article_html(1))
    site.add("/good/9.html", article_html(9))
    site.add("/empty.xml", "<?xml version='1.0'?><rss version='2.0'><channel><title>空</title></channel></rss>",
             "application/rss+xml")
    site.add("/broken.json", '{"ok": 1, "data": {"cards": [ {"mblog": ', "application/json")
    site.add("/huge.html", "<html><body>" + "<p>很长的页面</p>" * 40_000 + "</body></html>")
    # malformed: unclosed tags, stray brackets, a truncated end; still readable
    site.add("/bad/list.html", "<html><body><ul class='news-list'><li><a href='2.html'>二<li><a href='4.html'>四"
             "</div></span><p><<>>< <table><tr><td>")
    site.add("/bad/2.html", article_html(2).replace("</div></body></html>", "<div><p>未闭合"))
    site.add("/bad/4.html", "<html><body><h1 class='title'>标题</h1><div class='content'><p>")  # no text at all
    dead = closed_port()
    crawl.write_sources(f"""
sources:
  - {{name: t_good, kind: html, start_urls: ["{site.base}/good/list.html"], list: {{link: "ul.news-list a::attr(href)"}}, article: {SEL}}}
  - {{name: t_empty, kind: rss, start_urls: ["{site.base}/empty.xml"]}}
  - {{name: t_json, kind: json_api, start_urls: ["{site.base}/broken.json"]}}
  - {{name: t_huge, kind: html, start_urls: ["{site.base}/huge.html"]}}
  - {{name: t_bad, kind: html, start_urls: ["{site.base}/bad/list.html"], list: {{link: "ul.news-list a::attr(href)"}}, article: {SEL}}}
  - {{name: t_dead, kind: rss, start_urls: ["http://127.0.0.1:{dead}/rss.xml"]}}
  - {{name: t_denied, kind: rss, start_urls: ["{site.base}/private/feed.xml"]}}
""")
    report = crawl.run([], {"DOWNLOAD_MAXSIZE": 200_000, "DOWNLOAD_WARNSIZE": 100_000})
    by = report["by_name"]
    assert report["exit"] == 1  # some sources failed; the run says so
    assert by["t_good"]["ok"] and by["t_good"]["stored"] == 1
    assert site.count("/good/9.html") == 0
    assert not by["t_empty"]["ok"] and "empty feed" in by["t_empty"]["error_messages"][0]
    assert not by["t_json"]["ok"] and "broken JSON" in by["t_json"]["error_messages"][0]
    assert not by["t_huge"]["ok"] and by["t_huge"]["errors"] >= 1
    assert not by["t_dead"]["ok"] and "127.0.0.1" in by["t_dead"]["error_messages"][0]
    # the malformed list still yields its readable article; the empty one is logged
    assert by["t_bad"]["ok"] and by["t_bad"]["stored"] == 1
    assert any("no article text" in m for m in by["t_bad"]["error_messages"])
    store = crawl.store()
    items = _items(store)
    assert ARTICLES[2][1] in items[f"{site.base}/bad/2.html"].text
    health = {h.source: h for h in store.source_health()}
    assert health["t_dead"].last_error and health["t_dead"].errors_total == 1
    assert health["t_dead"].last_success_at is None
    assert health["t_good"].last_error is None and health["t_good"].last_success_at is not None
    assert not by["t_denied"]["ok"] and site.count("/private/") == 0
    assert "robots.txt" in health["t_denied"].last_error
    assert "maxsize" in crawl.last_log.lower() or "max size" in crawl.last_log.lower() or "cancel" in crawl.last_log.lower()


DUP_BASE = ARTICLES[3][1] + "目前，该女子已在亲属家中暂住，社区网格员每日上门回访，确保其人身安全。"


def test_exact_and_near_duplicates_count_as_spread(site, crawl):
    site.add("/robots.txt", "", "text/plain")
    exact = DUP_BASE.replace("，", ", ").replace("。", "! ")  # punctuation and spacing differ only
    near = "转发：" + DUP_BASE.replace("每日", "每天") + " #反家暴# @某网友"
    site.add("/d/list.html", list_html([("1.html", "a")], None))
    site.add("/d/1.html", _page("女子遭家暴 警方发出告诫书", DUP_BASE, "utf-8"))
    site.add("/r/list.html", list_html([("2.html?share_token=abc", "b"), ("3.html", "c"), ("4.html", "d")], None))
    site.add("/r/2.html", _page("转载：女子遭家暴", exact, "utf-8"))
    site.add("/r/3.html", _page("网友转发", near, "utf-8"))
    site.add("/r/4.html", _page("亲子阅读节", ARTICLES[4][1], "utf-8"))
    crawl.write_sources(f"""
sources:
  - {{name: t_first, kind: html, start_urls: ["{site.base}/d/list.html"], list: {{link: "ul.news-list a::attr(href)"}}, article: {SEL}}}
  - {{name: t_repost, kind: html, start_urls: ["{site.base}/r/list.html"], list: {{link: "ul.news-list a::attr(href)"}}, article: {SEL}}}
""")
    # first the original alone, so the reposts meet it in the store (the index is seeded from it)
    assert crawl.run(["t_first"])["exit"] == 0
    report = crawl.run(["t_repost"])
    assert report["exit"] == 0
    store = crawl.store()
    items = _items(store)
    b = site.base
    original = items[f"{b}/d/1.html"]
    assert items[f"{b}/r/2.html"].duplicate_of == original.id  # exact (share_token dropped too)
    assert items[f"{b}/r/3.html"].duplicate_of == original.id  # near
    assert items[f"{b}/r/4.html"].duplicate_of is None
    assert store.get_item(original.id).spread_count == 2
    assert report["by_name"]["t_repost"]["stored"] == 1 and report["by_name"]["t_repost"]["duplicates"] == 2
    # duplicates are hidden by default and not handed to alerts
    visible = {i.url for i in store.search_items(ItemQuery(size=100)).items}
    assert f"{b}/r/3.html" not in visible and f"{b}/r/4.html" in visible
    assert items[f"{b}/r/3.html"].id not in crawl.handed_on()
    # duplicates within one run: the later copies point at the first one stored
    site.add("/z/list.html", list_html([("1.html", "a"), ("2.html", "b")], None))
    site.add("/z/1.html", _page("同一天的两篇", ARTICLES[5][1] + ARTICLES[2][1], "utf-8"))
    site.add("/z/2.html", _page("同一天的两篇（转）", "【转】" + ARTICLES[5][1] + ARTICLES[2][1], "utf-8"))
    with crawl.sources.open("a", encoding="utf-8") as fh:
        fh.write(f'  - {{name: t_same, kind: html, start_urls: ["{b}/z/list.html"], list: {{link: "ul.news-list a::attr(href)"}}, article: {SEL}}}\n')
    assert crawl.run(["t_same"])["exit"] == 0
    items = _items(store)
    pair = [items[f"{b}/z/1.html"], items[f"{b}/z/2.html"]]
    firsts = [i for i in pair if i.duplicate_of is None]
    assert len(firsts) == 1
    assert [i.duplicate_of for i in pair if i.duplicate_of] == [firsts[0].id]
    assert store.get_item(firsts[0].id).spread_count == 1


def test_proxy_and_user_agent_from_settings(crawl):
    from crawlsite import FixtureSite

    # the target port is closed: pages arrive only if requests really go through the proxy
    target = f"http://127.0.0.1:{closed_port()}"
    proxy = FixtureSite().start()
    try:
        proxy.add(f"{target}/robots.txt", "User-agent: *\nDisallow: /secret/\n", "text/plain")
        proxy.add(f"{target}/p/list.html", list_html([("1.html", "a"), ("/secret/2.html", "b")], None))
        proxy.add(f"{target}/p/1.html", article_html(1))
        proxy.add(f"{target}/secret/2.html", article_html(2))
        crawl.write_sources(f"""
sources:
  - {{name: t_proxy, kind: html, start_urls: ["{target}/p/list.html"], list: {{link: "ul.news-list a::attr(href)"}}, article: {SEL}}}
""")
        report = crawl.run(["t_proxy"], {"YUQING_PROXY": proxy.base, "USER_AGENT": "TestAgent/1.0 (+yuqing)"})
        assert report["exit"] == 0, crawl.last_log[-3000:]
        assert report["by_name"]["t_proxy"]["stored"] == 1
        assert proxy.hits[f"{target}/p/1.html"] == 1 and proxy.hits[f"{target}/secret/2.html"] == 0
        assert set(proxy.agents) == {"TestAgent/1.0 (+yuqing)"}
    finally:
        proxy.stop()
