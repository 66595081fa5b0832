"""Written fixture pages for the local crawl site (news list, articles, feeds, API, sitemap)."""

from __future__ import annotations

import json

from crawlsite import FixtureSite

ARTICLES = {
    1: ("区妇联开展反家暴宣传进社区活动", "11月20日上午，区妇联联合公安分局在幸福社区开展反家庭暴力宣传活动，现场发放宣传手册三百余份，并为居民解答人身安全保护令申请流程。"),
    2: ("市教育局部署校园安全大检查", "为防范校园欺凌事件，市教育局近日印发通知，要求各中小学在十二月底前完成宿舍、食堂和上下学通道的全面排查，并建立心理辅导台账。"),
    3: ("一女子遭丈夫殴打后报警 警方发出告诫书", "近日，某街道一名女子因长期遭受丈夫殴打向派出所求助。民警调查后依法对施暴者出具家庭暴力告诫书，并联系妇联提供心理疏导和法律援助。"),
    4: ("社区举办亲子阅读节", "周末，图书馆少儿阅览室举办亲子阅读节，近百组家庭参加了绘本共读、手工制作和故事表演，现场气氛热烈，孩子们收获满满。"),
    5: ("警方通报一起儿童走失事件已找回", "昨日下午，一名六岁男孩在商场与家人走散，家长报警后民警调取监控，四十分钟后在附近公园找到孩子，目前孩子已平安回家。"),
    6: ("内部资料不应被抓取", "这是一个被robots协议禁止抓取的页面，如果出现在库中说明爬虫没有遵守robots规则，测试应当失败。"),
    9: ("全市开展母婴室建设达标评估", "市卫健委会同妇联对商场、车站和医院的母婴室进行达标评估，对设施不全、无人管理的点位限期整改，并将结果向社会公布。"),
    11: ("男子拐卖妇女案一审宣判", "法院一审公开宣判一起拐卖妇女案，被告人以介绍对象为名将两名外地女子骗至偏远山村出卖，被判处有期徒刑十二年。"),
    12: ("警方破获跨省拐卖儿童团伙", "公安机关历时半年侦查，打掉一个跨省拐卖儿童犯罪团伙，解救被拐儿童五名，目前孩子们已陆续与亲人团聚。"),
    10: ("女职工权益保护专项检查启动", "人社部门启动女职工权益保护专项检查，重点查处招聘中的性别歧视、孕期降薪辞退等问题，群众可拨打热线举报。"),
}


def article_html(n: int, when: str = "2025-11-20 09:15", extra: str = "") -> str:
    title, text = ARTICLES[n]
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_新闻网</title></head><body>"
        f"<div class='nav'><a href='/'>首页</a> 导航 链接</div>"
        f"<h1 class='title'>{title}</h1><div class='info'><span class='time'>{when}</span>"
        f"<span class='src'>来源：本地新闻网</span></div>"
        f"<div class='content'><p>{text}</p><p>{extra or '（完）'}</p></div>"
        f"<div class='footer'>版权所有 联系我们</div></body></html>"
    )


def list_html(links: list[tuple[str, str]], next_href: str | None) -> str:
    lis = "".join(f"<li><a href='{href}'>{title}</a><span class='date'>{date}</span></li>"
                  for href, title, date in [(h, t, "2025-11-20") for h, t in links])
    nxt = f"<a class='next' href='{next_href}'>下一页</a>" if next_href else ""
    return f"<html><head><meta charset='utf-8'></head><body><ul class='news-list'>{lis}</ul>{nxt}</body></html>"


def rss(base: str, items: list[tuple[str, str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>{base}{link}</link><description><![CDATA[{d}]]></description>"
        f"<pubDate>{date}</pubDate></item>" for link, t, d, date in items)
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>测试源</title>"
            f"<link>{base}/</link><description>x</description>{entries}</channel></rss>")


def atom(base: str) -> str:
    long_text = ARTICLES[10][1] * 5
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>测试Atom</title><id>{base}/atom</id><updated>2025-11-20T01:00:00Z</updated>"
        f"<entry><title>{ARTICLES[10][0]}</title><link href='{base}/atom/10.html?from=timeline'/>"
        f"<id>{base}/atom/10</id><updated>2025-11-20T02:30:00+08:00</updated>"
        f"<content type='html'>&lt;p&gt;{long_text}&lt;/p&gt;</content></entry></feed>"
    )


def api_page(page: int) -> str:
    posts = {
        1: [("5001", "#反家暴# 邻居家又传来哭喊声，疑似家暴，已经报警了，希望警方尽快处理 http://t.cn/abc", "3分钟前", 12, 3, 40),
            ("5002", "今天带娃去公园放风筝，天气真好，孩子玩得特别开心，推荐大家周末也去走走。", "昨天 18:30", 0, 1, 5)],
        2: [("5003", "寻人启事：我家孩子在火车站附近走失，穿红色外套，身高一米二，有线索请联系，疑似被拐卖。", "11-20 09:15", "1.2万", "300", 88)],
    }
    cards = [{"card_type": 11, "card_group": []}]  # a topic card without a post: skipped
    for pid, text, created, rep, com, like in posts[page]:
        cards.append({"card_type": 9, "mblog": {"id": pid, "text": text, "created_at": created,
                                                "reposts_count": rep, "comments_count": com,
                                                "attitudes_count": like,
                                                "user": {"screen_name": f"用户{pid}"}}})
    nxt = 2 if page == 1 else None
    return json.dumps({"ok": 1, "data": {"cards": cards, "cardlistInfo": {"page": nxt}}}, ensure_ascii=False)


def build_news_site(site: FixtureSite) -> None:
    base = site.base
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    for n in (1, 2, 3, 4, 5, 9):
        site.add(f"/news/{n}.html", article_html(n))
    site.add("/private/6.html", article_html(6))
    site.add("/news/list_1.html", list_html(
        [("/news/3.html?utm_source=weixin&spm=a1.b2", ARTICLES[3][0]), ("4.html", ARTICLES[4][0])], "list_2.html"))
    site.add("/news/list_2.html", list_html(
        [("/news/5.html", ARTICLES[5][0]), ("/private/6.html", ARTICLES[6][0])], None))
    long_summary = ARTICLES[9][1] * 4  # a full-text feed entry: no article fetch needed
    site.add("/rss.xml", rss(base, [
        ("/news/1.html?utm_medium=rss", ARTICLES[1][0], "简介", "Thu, 20 Nov 2025 01:00:00 GMT"),
        ("/news/2.html", ARTICLES[2][0], "简介二", "Thu, 20 Nov 2025 02:00:00 +0800"),
        ("/news/9.html", ARTICLES[9][0], long_summary, "Thu, 20 Nov 2025 03:00:00 GMT"),
    ]), "application/rss+xml; charset=utf-8")
    site.add("/atom.xml", atom(base), "application/atom+xml")
    site.add("/api/search?q=x&page=1", api_page(1), "application/json")
    site.add("/api/search?q=x&page=2", api_page(2), "application/json")
    # cursor paging (since_id), the way newer feed APIs page
    feed_posts = {"7001": "家长反映校车超员严重，孩子上下学安全令人担忧，希望教育部门尽快排查整改。",
                  "7002": "某小区电梯多次困人，物业迟迟不修，老人和孩子出行困难，居民联名向街道反映。"}
    for cursor, nxt, pid in (("", "c2", "7001"), ("c2", "", "7002")):
        path = "/api/feed" + (f"?since_id={cursor}" if cursor else "")
        site.add(path, json.dumps({"ok": 1, "data": {"since_id": nxt, "list": [{
            "mid": pid, "content": feed_posts[pid],
            "time": "2025-11-20T08:00:00+08:00", "author": {"name": "家长"}}]}}, ensure_ascii=False),
            "application/json")
    site.add("/sitemap.xml", (
        "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"<url><loc>{base}/sm/a.html</loc><lastmod>2025-11-19</lastmod></url>"
        f"<url><loc>{base}/other/skip.html</loc></url></urlset>"), "application/xml")
    # no selectors configured for this one: extract_article (trafilatura) finds the text
    site.add("/sm/a.html", "<html><head><title>妇女儿童发展规划中期评估公布</title></head><body>"
             "<header>网站导航 首页 新闻 政务</header><article><h1>妇女儿童发展规划中期评估公布</h1>"
             "<p>市统计局发布妇女儿童发展规划中期评估报告，显示女性就业比例稳步提高，儿童健康指标持续改善。</p>"
             "<p>报告同时指出，农村留守儿童关爱服务仍有短板，需要在学前教育和心理健康方面加大投入。</p>"
             "</article><footer>版权所有</footer></body></html>")
    # keyword search answering with HTML result lists, two pages for 拐卖, none for 家暴
    site.add("/sh?kw=%E6%8B%90%E5%8D%96&p=1", list_html([("/kw/11.html", ARTICLES[11][0])], None))
    site.add("/sh?kw=%E6%8B%90%E5%8D%96&p=2", list_html([("/kw/12.html", ARTICLES[12][0])], None))
    site.add("/sh?kw=%E5%AE%B6%E6%9A%B4&p=1", list_html([], None))
    site.add("/kw/11.html", article_html(11))
    site.add("/kw/12.html", article_html(12))
    for kw, enc in (("家暴", "%E5%AE%B6%E6%9A%B4"), ("拐卖", "%E6%8B%90%E5%8D%96")):
        site.add(f"/s?kw={enc}&p=1", json.dumps({"ok": 1, "data": {"cards": [{"mblog": {
            "id": f"kw-{kw}", "text": f"关于{kw}的讨论帖：网友呼吁加强对{kw}行为的打击力度，完善救助机制，保护受害者权益。",
            "created_at": "2025-11-19 08:00", "reposts_count": 1, "comments_count": 2,
            "attitudes_count": 3, "user": {"screen_name": "网友"}}}], "cardlistInfo": {"page": None}}},
            ensure_ascii=False), "application/json")


def news_sources(base: str) -> str:
    return f"""
sources:
  - name: t_rss
    kind: rss
    start_urls: ["{base}/rss.xml"]
    article: {{title: "h1.title::text", published: "div.info span.time::text", content: "div.content p"}}
  - name: t_atom
    kind: rss
    start_urls: ["{base}/atom.xml"]
  - name: t_list
    kind: html
    start_urls: ["{base}/news/list_1.html"]
    list: {{link: "ul.news-list li a::attr(href)", date: "ul.news-list li span.date::text", next: "a.next::attr(href)"}}
    article: {{title: "h1.title::text", published: "div.info span.time::text", content: "div.content p"}}
    pagination: {{max_pages: 5}}
  - name: t_api
    kind: json_api
    start_urls: ["{base}/api/search?q=x&page=1"]
    pagination: {{page_param: page, max_pages: 3}}
  - name: t_cursor
    kind: json_api
    start_urls: ["{base}/api/feed"]
    api: {{items: data.list, item: null, id: mid, text: content, created_at: time, author: author.name,
           reposts: null, comments: null, likes: null, next_cursor: data.since_id, post_url: "{{origin}}/m/{{id}}"}}
    pagination: {{cursor_param: since_id, max_pages: 5}}
  - name: t_sitemap
    kind: sitemap
    start_urls: ["{base}/sitemap.xml"]
    sitemap_follow: ["/sm/"]
  - name: t_search
    kind: search
    search_urls: ["{base}/s?kw={{keyword}}&p={{page}}"]
    keywords: watchlist
  - name: t_search_html
    kind: search
    search_format: html
    search_urls: ["{base}/sh?kw={{keyword}}&p={{page}}"]
    keywords: [家暴, 拐卖]
    list: {{link: "ul.news-list a::attr(href)"}}
    article: {{title: "h1.title::text", published: "div.info span.time::text", content: "div.content p"}}
    pagination: {{max_pages: 3}}
"""
