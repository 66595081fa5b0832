"""extract_article on small pages written for these tests (charsets, titles, bylines,
boilerplate, selectors, broken markup)."""

from datetime import UTC, datetime

import opencc
import pytest

from crawlers.extract import Article, clean_title, decode_html, extract_article

TO_TRADITIONAL = opencc.OpenCC("s2t")

PARAS = [
    "11月25日晚，市妇联接到群众反映，某小区一名8岁女童放学后未按时回家，家属已向警方报案。",
    "警方接报后立即组织警力搜寻，并调取沿途监控录像，社区志愿者也自发参与寻找。",
    "经过一夜的搜寻，女童于次日清晨在附近公园被找到，身体状况良好，已交由家属照顾。",
    "市妇联提醒广大家长，要加强对未成年子女的看护，教育孩子增强自我保护意识。",
]


def news_page(
    title_tag: str = "女童走失后被找到_某某新闻网",
    h1: str = "女童走失后被找到",
    byline: str = "2024年03月01日 12:00 来源：某某日报 作者：李明",
    head_extra: str = "",
    charset: str = "utf-8",
    paras: list[str] = PARAS,
) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}">
<title>{title_tag}</title>{head_extra}</head><body>
<div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/sport">体育</a>
 | <a href="/ent">娱乐</a> | <a href="/tech">科技</a></div>
<div class="main">
  <h1>{h1}</h1>
  <div class="info">{byline}</div>
  <div class="article">{body}</div>
  <div class="related"><h3>相关新闻</h3><ul>
    <li><a href="/1">本市举办2024年冬季长跑活动</a> 2024-02-28</li>
    <li><a href="/2">新建三所幼儿园明年投入使用</a> 2024-02-27</li>
    <li><a href="/3">地铁五号线延长运营时间</a> 2024-02-26</li></ul></div>
  <div id="comments"><h3>网友评论</h3>
    <p>网友甲：太好了，孩子平安就好，感谢警察和志愿者们的辛苦付出！ 2024-03-01 13:05</p>
    <p>网友乙：家长一定要看好孩子啊，现在外面坏人多，真的让人担心。 2024-03-01 14:10</p></div>
</div>
<div class="footer">版权所有 (c) 2024 某某新闻网 京ICP备00000000号</div>
</body></html>"""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ------------------------------------------------------------------ body, title, time


def test_news_page_fields() -> None:
    art = extract_article(news_page(), "http://news.example.cn/a/1.html")
    assert isinstance(art, Article)
    assert art.title == "女童走失后被找到"
    assert art.published_at == utc(2024, 3, 1, 4, 0)
    assert art.author == "李明"
    for p in PARAS:
        assert p in art.text
    # navigation, related links, comments and footer are not article text
    for noise in ("体育", "冬季长跑", "网友甲", "版权所有"):
        assert noise not in art.text
    assert art.text.count("\n") == len(PARAS) - 1  # one line per paragraph


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("女童走失后被找到_新浪新闻", "女童走失后被找到"),
        ("女童走失后被找到 - 人民网", "女童走失后被找到"),
        ("女童走失后被找到--大河网", "女童走失后被找到"),
        ("女童走失后被找到_社会_新浪网", "女童走失后被找到"),
        ("Joel on Software - 给计算机系学生的建议", "给计算机系学生的建议"),
        ("金锺国 - 维基百科，自由的百科全书", "金锺国"),
        ("网民热议某地幼儿园事件", "网民热议某地幼儿园事件"),
    ],
)
def test_clean_title_removes_site_names(raw: str, expected: str) -> None:
    assert clean_title(raw) == expected


def test_title_prefers_heading_matching_head_title() -> None:
    page = news_page(title_tag="幼儿园老师被指体罚多名幼儿 教育局介入调查 - 某某网",
                     h1="幼儿园老师被指体罚多名幼儿 教育局介入调查")
    assert extract_article(page, "").title == "幼儿园老师被指体罚多名幼儿 教育局介入调查"


def test_og_title_used_when_no_heading_matches() -> None:
    page = news_page(title_tag="某某网", h1="某某网 频道首页",
                     head_extra='<meta property="og:title" content="社区开展反家暴宣传活动_某某网">')
    assert extract_article(page, "").title == "社区开展反家暴宣传活动"


def test_meta_published_time_wins_and_keeps_offset() -> None:
    page = news_page(
        byline="来源：某某日报",
        head_extra='<meta property="article:published_time" content="2024-03-01T12:00:00+01:00">',
    )
    assert extract_article(page, "").published_at == utc(2024, 3, 1, 11, 0)


def test_time_element_and_source_timezone() -> None:
    page = news_page(byline='<time datetime="2024-03-01 08:30">3月1日</time> 来源：某报')
    assert extract_article(page, "", timezone="Asia/Taipei").published_at == utc(2024, 3, 1, 0, 30)


def test_byline_time_beats_dates_inside_the_body_and_comments() -> None:
    paras = ["据悉，该案件最早发生于2023年6月5日，受害人共有三名。", *PARAS]
    page = news_page(byline="发布时间：2024-03-02 09:15:30 来源：某报", paras=paras)
    assert extract_article(page, "").published_at == utc(2024, 3, 2, 1, 15, 30)


def test_page_without_any_date() -> None:
    page = news_page(byline="来源：某某日报")
    page = page.replace("2024-02-2", "").replace("2024-03-01 1", "")
    assert extract_article(page, "").published_at is None


# ------------------------------------------------------------------ encodings


def test_gb2312_declared_page_with_gbk_only_characters() -> None:
    # 啰 and 喆 are GBK, not GB2312: decoding as the declared gb2312 would break them
    paras = [p + "啰喆" for p in PARAS]
    raw = news_page(charset="gb2312", paras=paras).encode("gbk")
    text, enc = decode_html(raw)
    assert enc == "gb18030"
    art = extract_article(raw, "")
    assert "啰喆" in art.text and art.title == "女童走失后被找到"


def test_undeclared_gbk_page_is_detected() -> None:
    raw = news_page().replace('<meta charset="utf-8">', "").encode("gb18030")
    assert decode_html(raw)[1] == "gb18030"
    assert PARAS[0] in extract_article(raw, "").text


def test_big5_page_decoded_as_big5hkscs() -> None:
    paras = ["香港一名女童嘅家長報案，指孩子放學後未有回家，警方已展開調查及搜索行動。",
             "警方呼籲市民如有相關消息，請盡快致電熱線提供資料，協助尋找失蹤女童。",
             "社會福利署表示會跟進個案，並為家庭提供所需支援及輔導服務。"]
    page = news_page(title_tag="女童失蹤 警方調查", h1="女童失蹤 警方調查", charset="big5",
                     byline="2024年3月1日 下午3時", paras=paras)
    raw = TO_TRADITIONAL.convert(page).encode("big5hkscs")
    text, enc = decode_html(raw)
    assert enc == "big5hkscs"
    art = extract_article(raw, "")
    assert "嘅家長" in art.text
    assert art.title == "女童失蹤 警方調查"
    assert art.published_at == utc(2024, 3, 1, 7, 0)


def test_undeclared_big5_page_is_detected() -> None:
    paras = ["這是一篇關於兒童權益保護的報導，記者到學校了解情況後發現問題。",
             "學校表示會加強管理，並與家長保持聯繫，確保學生在校期間的安全。"] * 2
    page = news_page(charset="x", paras=paras).replace('<meta charset="x">', "")
    raw = TO_TRADITIONAL.convert(page).encode("big5hkscs")
    assert decode_html(raw)[1] == "big5hkscs"
    assert TO_TRADITIONAL.convert(paras[0]) in extract_article(raw, "").text


def test_bom_and_script_charset_trap() -> None:
    # a UTF-8 page without meta charset but with a <script charset="gb2312"> tag
    page = news_page().replace('<meta charset="utf-8">', '<script charset="gb2312" src="a.js"></script>')
    raw = b"\xef\xbb\xbf" + page.encode("utf-8")
    text, enc = decode_html(raw)
    assert enc.replace("-", "").lower().startswith("utf8")
    assert not text.startswith("\ufeff")
    assert PARAS[1] in extract_article(page.encode("utf-8"), "").text


def test_encoding_override_beats_wrong_declaration() -> None:
    raw = news_page(charset="utf-8").encode("gbk")
    assert PARAS[0] in extract_article(raw, "", encoding="gbk").text


def test_wrong_declaration_falls_back_to_detection() -> None:
    raw = news_page(charset="utf-8").encode("gb18030")
    assert PARAS[2] in extract_article(raw, "").text


def test_unknown_override_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="encoding"):
        extract_article(b"<html></html>", "", encoding="no-such-charset")


# ------------------------------------------------------------------ selectors


def test_css_selectors() -> None:
    page = news_page().replace('<div class="info">', '<div class="info"><span class="au">王芳</span>')
    art = extract_article(page, "", selectors={
        "title": "h1::text", "text": "div.article p", "time": "div.info", "author": "span.au::text"})
    assert art.title == "女童走失后被找到"
    assert art.text.splitlines() == PARAS
    assert art.published_at == utc(2024, 3, 1, 4, 0)
    assert art.author == "王芳"


def test_xpath_selectors_and_fallback_for_missing_fields() -> None:
    art = extract_article(news_page(), "", selectors={"text": "//div[@class='article']/p"})
    assert art.text.splitlines() == PARAS
    assert art.title == "女童走失后被找到"  # not given: found automatically
    assert art.published_at == utc(2024, 3, 1, 4, 0)


def test_bad_selector_does_not_raise() -> None:
    art = extract_article(news_page(), "", selectors={"title": "h1[[[", "text": "div.article p"})
    assert art.title == "女童走失后被找到"
    assert PARAS[0] in art.text


# ------------------------------------------------------------------ hostile input


@pytest.mark.parametrize(
    "html",
    ["", "   ", b"", b"\x00\xff\xfe\x80garbage", "<<<>>>", "<html><body><p>未闭合的段落",
     "<?xml version='1.0' encoding='gbk'?><html><body><p>正文</p></body></html>",
     "<html><head><title>只有标题</title></head></html>", "<!-- only a comment -->",
     "<html>" + "<div>" * 3000 + "深层嵌套" + "</div>" * 3000 + "</html>",
     "纯文本，没有任何标签。"],
)
def test_malformed_html_never_raises(html: str | bytes) -> None:
    art = extract_article(html, "http://x/")
    assert isinstance(art, Article)
    assert isinstance(art.title, str) and isinstance(art.text, str)


def test_truncated_page_still_gives_what_it_has() -> None:
    page = news_page()
    art = extract_article(page[: page.index(PARAS[2]) + 10], "")
    assert art.title == "女童走失后被找到"
    assert PARAS[0] in art.text
    assert art.published_at == utc(2024, 3, 1, 4, 0)


def test_scripts_are_not_text() -> None:
    page = news_page().replace("</h1>", "</h1><script>var x = '恶意脚本内容不应出现';</script>")
    assert "恶意脚本" not in extract_article(page, "").text


def test_heading_above_body_when_head_title_is_only_the_site_name() -> None:
    page = news_page(title_tag="网易娱乐", h1="幼儿园老师体罚幼儿事件追踪").replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    assert extract_article(page, "").title == "幼儿园老师体罚幼儿事件追踪"


def test_page_without_title_tag_takes_the_headline_above_the_body() -> None:
    page = news_page(title_tag="", h1="x").replace("<title></title>", "").replace(
        "<h1>x</h1>", "<b>女童走失后被找到 家属致谢民警</b>")
    assert extract_article(page, "").title == "女童走失后被找到 家属致谢民警"


def test_forum_thread_keeps_every_post() -> None:
    first = "楼上邻居几乎每天晚上都吵架，能听到摔东西和女人哭喊，今天早上在电梯里看到她胳膊上有淤青，我要不要报警？"
    reply = "报警！家暴不是家务事，你报警可能就救了她一命。"
    posts = "".join(
        f'<div class="post"><span class="author">{a}</span> <span class="post-time">发表于 2024-03-0{i + 1} 20:0{i}</span>'
        f'<div class="message">{m}</div></div>' for i, (a, m) in enumerate([("夜猫子", first), ("热心大姐", reply)]))
    page = (f"<html><head><title>邻居家每晚都有哭喊声_论坛</title></head><body><div class='nav'><a href='/'>首页</a></div>"
            f"<h1 class='title'>邻居家每晚都有哭喊声</h1><div class='thread'>{posts}</div></body></html>")
    art = extract_article(page, "")
    assert first in art.text and reply in art.text
    assert art.published_at == utc(2024, 3, 1, 12, 0)
