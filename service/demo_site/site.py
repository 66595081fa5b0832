"""The demo site: routes and pages, over the standard library's threading HTTP server.

Everything is relative to the moment the server starts: an item with `at` = -90 was
published 90 minutes before start; one with `at` = +5 is invisible until 5 minutes after
start and then shows up as just published, so an incremental crawl finds something new.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

import nh3
import opencc

from service.demo_site.forum import THREADS, Thread
from service.demo_site.news import ARTICLES, NewsArticle
from service.demo_site.posts import POSTS, Post

log = logging.getLogger(__name__)

TZ = ZoneInfo("Asia/Shanghai")
PER_PAGE = 10
_T2S = opencc.OpenCC("t2s")
_TAGS = re.compile(r"<[^>]+>")


class DemoSite:
    """The content and the clock; the request handler asks it for pages."""

    def __init__(self, start: float | None = None, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.start = clock() if start is None else start

    # ------------------------------------------------------------------ time
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), TZ)

    def when(self, at_minutes: float) -> datetime:
        return datetime.fromtimestamp(self.start + at_minutes * 60, TZ)

    def visible(self, at_minutes: float) -> bool:
        return at_minutes <= 0 or self.clock() >= self.start + at_minutes * 60

    # ------------------------------------------------------------------ content
    def articles(self, gbk: bool = False) -> list[NewsArticle]:
        items = [a for a in ARTICLES if a.gbk == gbk and self.visible(a.at)]
        return sorted(items, key=lambda a: (-a.at, a.key))

    def article(self, key: str, gbk: bool = False) -> NewsArticle | None:
        return next((a for a in self.articles(gbk) if a.key == key), None)

    def posts(self) -> list[Post]:
        return sorted((p for p in POSTS if self.visible(p.at)), key=lambda p: (-p.at, p.id))

    def threads(self) -> list[Thread]:
        return sorted((t for t in THREADS if self.visible(t.at)), key=lambda t: (-t.at, t.id))

    def weibo_time(self, at_minutes: float) -> str:
        """Weibo's created_at: 刚刚 / N分钟前 / N小时前 / 昨天 HH:MM / MM-DD HH:MM / full."""
        when, now = self.when(at_minutes), self.now()
        age = (now - when).total_seconds()
        if age < 60:
            return "刚刚"
        if age < 3600:
            return f"{int(age // 60)}分钟前"
        if when.date() == now.date():
            return f"{int(age // 3600)}小时前"
        if when.date() == (now - timedelta(days=1)).date():
            return f"昨天 {when:%H:%M}"
        if when.year == now.year:
            return f"{when:%m-%d %H:%M}"
        return f"{when:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------- HTML pieces


def _layout(title: str, body: str, charset: str = "utf-8", site: str = "津沽资讯网") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{escape(title)}_{site}</title>
<meta name="keywords" content="天津,新闻,民生,演示">
</head><body>
<div class="top-nav"><a href="/">首页</a> | <a href="/news/list_1.html">本地新闻</a> |
<a href="/gbk/list_1.html">区县动态</a> | <a href="/forum/forum-1.html">津沽论坛</a> |
<a href="/rss.xml">RSS订阅</a> | <a href="/admin/">管理后台</a></div>
{body}
<div class="footer">演示站点：本站全部内容为演示数据，纯属虚构，如有雷同纯属巧合。</div>
</body></html>"""


def _list_page(site: DemoSite, items: list[NewsArticle], page: int, prefix: str, heading: str,
               charset: str) -> str | None:
    pages = max(1, -(-len(items) // PER_PAGE))
    if page < 1 or page > pages:
        return None
    chunk = items[(page - 1) * PER_PAGE: page * PER_PAGE]
    rows = "\n".join(
        f'<li><a href="/{prefix}/{a.key}.html">{escape(a.title)}</a> '
        f'<span class="date">{site.when(a.at):%Y-%m-%d %H:%M}</span></li>'
        for a in chunk
    )
    nav = f'<span class="page">第 {page} / {pages} 页</span>'
    if page > 1:
        nav = f'<a class="prev" href="list_{page - 1}.html">上一页</a> ' + nav
    if page < pages:
        nav += f' <a class="next" href="list_{page + 1}.html">下一页</a>'
    body = f'<h2 class="column">{heading}</h2>\n<ul class="news-list">\n{rows}\n</ul>\n<div class="pager">{nav}</div>'
    return _layout(f"{heading} 第{page}页", body, charset)


def _article_page(site: DemoSite, a: NewsArticle, charset: str) -> str:
    paras = "\n".join(f"<p>{escape(p)}</p>" for p in a.paras)
    hot = "".join(f'<li><a href="/news/{o.key}.html">{escape(o.title)}</a></li>'
                  for o in site.articles()[:5] if o.key != a.key)
    body = f"""<div class="crumb"><a href="/">首页</a> &gt; <a href="/news/list_1.html">本地新闻</a> &gt; 正文</div>
<div class="main">
<h1 class="title">{escape(a.title)}</h1>
<div class="info"><span class="time">{site.when(a.at):%Y-%m-%d %H:%M}</span>
<span class="source">来源：{escape(a.source)}</span></div>
<div class="content">
{paras}
</div>
<div class="editor">（责任编辑：值班编辑）</div>
</div>
<div class="sidebar"><h3>热点新闻</h3><ul>{hot}</ul></div>"""
    return _layout(a.title, body, charset)


def _forum_list(site: DemoSite, page: int) -> str | None:
    threads = site.threads()
    pages = max(1, -(-len(threads) // PER_PAGE))
    if page < 1 or page > pages:
        return None
    rows = "\n".join(
        f'<tr><td class="subject"><a class="thread" href="thread-{t.id}.html">{escape(t.title)}</a></td>'
        f'<td class="author">{escape(t.posts[0][0])}</td><td class="replies">{len(t.posts) - 1}</td>'
        f'<td class="lastpost">{site.when(t.at + t.posts[-1][1]):%Y-%m-%d %H:%M}</td></tr>'
        for t in threads[(page - 1) * PER_PAGE: page * PER_PAGE]
    )
    nav = f'<a class="next" href="forum-{page + 1}.html">下一页</a>' if page < pages else ""
    body = f"""<h2>津沽论坛 › 民生话题</h2>
<table class="threads"><tr><th>主题</th><th>作者</th><th>回复</th><th>最后发表</th></tr>
{rows}
</table><div class="pager">{nav}</div>"""
    return _layout(f"民生话题 第{page}页", body, site="津沽论坛")


def _thread_page(site: DemoSite, t: Thread) -> str:
    posts = "\n".join(
        f"""<div class="post" id="pid{t.id}{n}"><div class="postinfo"><span class="author">{escape(author)}</span>
<span class="post-time">发表于 {site.when(t.at + offset):%Y-%m-%d %H:%M}</span> <em>{n + 1}#</em></div>
<div class="message">{escape(text)}</div></div>"""
        for n, (author, offset, text) in enumerate(t.posts)
    )
    body = f'<h1 class="title">{escape(t.title)}</h1>\n<div class="thread-posts">\n{posts}\n</div>'
    return _layout(t.title, body, site="津沽论坛")


def _status_page(site: DemoSite, p: Post) -> str:
    # Post text is user HTML: keep links, drop everything else (<script>, onerror=...).
    safe = nh3.clean(p.text, tags={"a"}, attributes={"a": {"href"}})
    body = f"""<div class="weibo-detail"><h1 class="title">{escape(p.user)}的微博</h1>
<div class="info"><span class="time">{site.when(p.at):%Y-%m-%d %H:%M}</span>
<span class="source">来源：{escape(p.user)}</span></div>
<div class="content"><p>{safe}</p></div>
<div class="counts">转发 {p.reposts} 评论 {p.comments} 赞 {p.likes}</div></div>"""
    return _layout(f"{p.user}的微博", body, site="微博演示")


def _plain(text: str) -> str:
    return _T2S.convert(_TAGS.sub("", text))


def search_posts(site: DemoSite, query: str, page: int) -> dict[str, Any]:
    terms = [_T2S.convert(t.strip("#")) for t in query.split() if t.strip("#")]
    hits = [p for p in site.posts() if all(term in _plain(p.text) for term in terms)]
    chunk = hits[(page - 1) * PER_PAGE: page * PER_PAGE]
    cards = [{
        "card_type": 9,
        "mblog": {
            "id": p.id, "text": p.text, "created_at": site.weibo_time(p.at),
            "reposts_count": p.reposts, "comments_count": p.comments, "attitudes_count": p.likes,
            "user": {"screen_name": p.user},
        },
    } for p in chunk]
    more = page * PER_PAGE < len(hits)
    return {"ok": 1, "data": {"cards": cards,
                              "cardlistInfo": {"page": page + 1 if more else None, "total": len(hits)}}}


def _rss(site: DemoSite, base: str) -> str:
    items = "\n".join(
        f"""<item><title>{xml_escape(a.title)}</title><link>{base}/news/{a.key}.html</link>
<guid isPermaLink="true">{base}/news/{a.key}.html</guid>
<description>{xml_escape(a.paras[0])}</description>
<pubDate>{email.utils.format_datetime(site.when(a.at))}</pubDate><source>{xml_escape(a.source)}</source></item>"""
        for a in site.articles()[:20]
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>津沽资讯网 本地新闻</title><link>{base}/</link>
<description>演示站点 RSS</description><language>zh-cn</language>
<lastBuildDate>{email.utils.format_datetime(site.now())}</lastBuildDate>
{items}
</channel></rss>"""


def _sitemap(site: DemoSite, base: str) -> str:
    urls: list[tuple[str, datetime]] = [(f"{base}/news/{a.key}.html", site.when(a.at)) for a in site.articles()]
    urls += [(f"{base}/gbk/{a.key}.html", site.when(a.at)) for a in site.articles(gbk=True)]
    urls += [(f"{base}/forum/thread-{t.id}.html", site.when(t.at + t.posts[-1][1])) for t in site.threads()]
    body = "\n".join(f"<url><loc>{xml_escape(u)}</loc><lastmod>{d.isoformat(timespec='seconds')}</lastmod></url>"
                     for u, d in urls)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{body}
</urlset>"""


# ---------------------------------------------------------------------- routing

Response = tuple[int, str, bytes]
_LIST = re.compile(r"^/(news|gbk)/list_(\d{1,4})\.html$")
_ARTICLE = re.compile(r"^/(news|gbk)/([a-z]\d{4})\.html$")
_FORUM = re.compile(r"^/forum/forum-(\d{1,4})\.html$")
_THREAD = re.compile(r"^/forum/thread-(\d{1,6})\.html$")
_STATUS = re.compile(r"^/status/(\d{1,12})$")


def _html(text: str, charset: str = "utf-8", status: int = 200) -> Response:
    # The GBK section sends no charset in the header: the page's <meta> must be read.
    ctype = "text/html" if charset != "utf-8" else "text/html; charset=utf-8"
    return status, ctype, text.encode(charset)


def _not_found() -> Response:
    return _html(_layout("页面不存在", "<h1>404 页面不存在</h1><p>您访问的页面不存在或尚未发布。</p>"), status=404)


def route(site: DemoSite, path: str, query: dict[str, list[str]], base: str) -> Response:
    if path in ("/", "/index.html"):
        links = "".join(f'<li><a href="{u}">{n}</a></li>' for u, n in (
            ("/news/list_1.html", "本地新闻"), ("/gbk/list_1.html", "区县动态（GBK 编码）"),
            ("/forum/forum-1.html", "津沽论坛"), ("/api/search?q=家暴", "类微博搜索接口"),
            ("/rss.xml", "RSS"), ("/sitemap.xml", "站点地图")))
        return _html(_layout("首页", f'<h1 class="title">津沽资讯网（演示站点）</h1><ul>{links}</ul>'))
    if path == "/robots.txt":
        return 200, "text/plain; charset=utf-8", (
            f"User-agent: *\nDisallow: /admin/\nAllow: /\nSitemap: {base}/sitemap.xml\n").encode()
    if path.startswith("/admin"):
        return _html(_layout("禁止访问", "<h1>403 禁止访问</h1>"), status=403)
    if path == "/rss.xml":
        return 200, "application/rss+xml; charset=utf-8", _rss(site, base).encode("utf-8")
    if path == "/sitemap.xml":
        return 200, "application/xml; charset=utf-8", _sitemap(site, base).encode("utf-8")
    if path == "/api/search":
        return _search(site, query)
    m = _LIST.match(path)
    if m:
        gbk = m.group(1) == "gbk"
        charset = "gbk" if gbk else "utf-8"
        page = _list_page(site, site.articles(gbk), int(m.group(2)), m.group(1),
                          "区县动态" if gbk else "本地新闻", charset)
        return _html(page, charset) if page else _not_found()
    m = _ARTICLE.match(path)
    if m:
        gbk = m.group(1) == "gbk"
        article = site.article(m.group(2), gbk)
        return _html(_article_page(site, article, "gbk" if gbk else "utf-8"),
                     "gbk" if gbk else "utf-8") if article else _not_found()
    m = _FORUM.match(path)
    if m:
        page = _forum_list(site, int(m.group(1)))
        return _html(page) if page else _not_found()
    m = _THREAD.match(path)
    if m:
        thread = next((t for t in site.threads() if t.id == int(m.group(1))), None)
        return _html(_thread_page(site, thread)) if thread else _not_found()
    m = _STATUS.match(path)
    if m:
        post = next((p for p in site.posts() if p.id == m.group(1)), None)
        return _html(_status_page(site, post)) if post else _not_found()
    return _not_found()


def _json(data: Any, status: int = 200) -> Response:
    return status, "application/json; charset=utf-8", json.dumps(data, ensure_ascii=False).encode("utf-8")


def _search(site: DemoSite, query: dict[str, list[str]]) -> Response:
    q = (query.get("q") or [""])[0]
    raw_page = (query.get("page") or ["1"])[0] or "1"
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= 1000:
        return _json({"ok": 0, "msg": "参数错误：page 必须是 1 到 1000 的整数"}, 400)
    return _json(search_posts(site, q, int(raw_page)))


def all_paths(site: DemoSite) -> Iterable[str]:
    """Every page the site serves right now (for tests and link checks)."""
    yield from ("/", "/robots.txt", "/rss.xml", "/sitemap.xml", "/api/search?q=", "/forum/forum-1.html")
    for gbk, prefix in ((False, "news"), (True, "gbk")):
        items = site.articles(gbk)
        for page in range(1, max(1, -(-len(items) // PER_PAGE)) + 1):
            yield f"/{prefix}/list_{page}.html"
        yield from (f"/{prefix}/{a.key}.html" for a in items)
    yield from (f"/forum/thread-{t.id}.html" for t in site.threads())
    yield from (f"/status/{p.id}" for p in site.posts())


class DemoHandler(BaseHTTPRequestHandler):
    server_version = "DemoSite/1.0"
    site: DemoSite  # set on the subclass made per server

    def _respond(self, with_body: bool) -> None:
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        base = f"http://{host}"
        try:
            status, ctype, body = route(self.site, parts.path, parse_qs(parts.query), base)
        except Exception:  # a bug must give a 500 page, not a dropped connection
            log.exception("demo site error on %s", self.path)
            status, ctype, body = 500, "text/plain; charset=utf-8", "服务器内部错误".encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._respond(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(False)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the crawler logs enough
        log.debug("%s " + format, self.address_string(), *args)

