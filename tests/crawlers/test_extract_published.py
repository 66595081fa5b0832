"""Publish-time rules on small pages written here: the page's own wall clock
(published_local), a date-only meta one day off the page date, multi-entry pages."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crawlers.extract import extract_article

SH = ZoneInfo("Asia/Shanghai")
PARAS = [
    "市妇联联合公安、教育部门开展护苗专项行动，走访辖区中小学和幼儿园二十余所，排查校园周边安全隐患。",
    "行动期间，工作人员为家长举办儿童防性侵知识讲座，发放宣传资料三千余份，现场解答家长提出的问题。",
    "下一步，市妇联将联合有关部门建立长效机制，持续关注未成年人保护工作，及时回应群众关切。",
]


def page(head: str = "", byline: str = "", after_body: str = "", title: str = "护苗专项行动走进校园") -> str:
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    return (f"<html><head><meta charset='utf-8'><title>{title}_某某网</title>{head}</head><body>"
            f"<div class='nav'><a href='/'>首页</a> <a href='/n'>新闻</a></div>"
            f"<h1>{title}</h1><div class='info'>{byline}</div>"
            f"<div class='content'>{paras}</div>{after_body}</body></html>")


def meta_time(value: str) -> str:
    return f'<meta property="article:published_time" content="{value}">'


def clock(value: datetime | None) -> tuple[str, timedelta | None]:
    assert value is not None
    return value.strftime("%Y-%m-%d %H:%M"), value.utcoffset()


# ------------------------------------------------------------------ the page's wall clock


def test_utc_meta_with_a_shown_foreign_clock_keeps_that_clock() -> None:
    # A Paris site: UTC in the machine value, Paris time (day/month/year) for readers.
    html = page(head=meta_time("2022-02-06T12:48:06+00:00"),
                byline='发表时间： <time datetime="2022-02-06T12:48:06+00:00">06/02/2022 - 13:48</time>')
    art = extract_article(html, "")
    assert art.published_at == datetime(2022, 2, 6, 12, 48, 6, tzinfo=UTC)
    assert clock(art.published_local) == ("2022-02-06 13:48", timedelta(hours=1))


def test_month_first_clock_is_read_the_way_that_fits_the_instant() -> None:
    # an American site: 02/06 is February 6 only if the offset works out (-05:00)
    html = page(head=meta_time("2022-02-06T18:48:00Z"),
                byline='<time datetime="2022-02-06T18:48:00Z">02/06/2022 1:48 PM</time>')
    assert clock(extract_article(html, "").published_local) == ("2022-02-06 13:48", timedelta(hours=-5))
    # a clock more than 14 hours off the instant is no time zone: the site zone stays
    html = page(head=meta_time("2022-02-06T18:48:00Z"),
                byline='<time datetime="2022-02-06T18:48:00Z">02/06/2022 1:48 AM</time>')
    assert clock(extract_article(html, "").published_local) == ("2022-02-07 02:48", timedelta(hours=8))


def test_stated_non_utc_offset_is_the_wall_clock() -> None:
    art = extract_article(page(head=meta_time("2024-03-01T12:00:00+01:00"), byline="来源：某某日报"), "")
    assert art.published_at == datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    assert clock(art.published_local) == ("2024-03-01 12:00", timedelta(hours=1))


def test_utc_meta_with_a_beijing_byline_stays_in_the_site_zone() -> None:
    html = page(head=meta_time("2024-03-01T04:00:00Z"), byline="2024-03-01 12:00 来源：某某日报")
    art = extract_article(html, "")
    assert art.published_at == datetime(2024, 3, 1, 4, 0, tzinfo=UTC)
    assert clock(art.published_local) == ("2024-03-01 12:00", timedelta(hours=8))


def test_utc_meta_without_a_shown_clock_uses_the_source_zone() -> None:
    art = extract_article(page(head=meta_time("2024-03-01T04:00:00Z"), byline="来源：某某日报"), "",
                          timezone="Asia/Taipei")
    assert clock(art.published_local) == ("2024-03-01 12:00", timedelta(hours=8))
    art = extract_article(page(head=meta_time("2024-03-01T04:00:00Z"), byline="来源：某某日报"), "",
                          timezone="Europe/Paris")
    assert clock(art.published_local) == ("2024-03-01 05:00", timedelta(hours=1))


def test_shown_clock_that_is_no_real_offset_is_ignored() -> None:
    # 53 minutes after the instant: an update time or a typo, not a time zone
    html = page(head=meta_time("2022-02-06T12:48:00+00:00"),
                byline='<time datetime="2022-02-06T12:48:00+00:00">06/02/2022 - 13:41</time>')
    assert clock(extract_article(html, "").published_local) == ("2022-02-06 20:48", timedelta(hours=8))


def test_naive_byline_is_the_source_zones_clock() -> None:
    art = extract_article(page(byline="2024年03月01日 12:00 来源：某某日报"), "", timezone="Asia/Taipei")
    assert art.published_at == datetime(2024, 3, 1, 4, 0, tzinfo=UTC)
    assert clock(art.published_local) == ("2024-03-01 12:00", timedelta(hours=8))


def test_selector_time_with_an_offset_keeps_it() -> None:
    html = page(byline="<span class='t'>2024-03-01T09:30:00-05:00</span>")
    art = extract_article(html, "", selectors={"time": "span.t"})
    assert art.published_at == datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
    assert clock(art.published_local) == ("2024-03-01 09:30", timedelta(hours=-5))


def test_no_time_no_wall_clock() -> None:
    art = extract_article(page(byline="来源：某某日报"), "")
    assert art.published_at is None and art.published_local is None


# ------------------------------------------------------------------ meta date vs page date


def pubdate(value: str) -> str:
    return f'<meta name="PubDate" content="{value}">'


def test_date_only_meta_one_day_after_the_page_date_yields_to_the_page() -> None:
    html = page(head=pubdate("2022-01-28 00:00:00"), byline="成文日期：2022年01月27日")
    art = extract_article(html, "")
    assert art.published_at is not None
    assert art.published_at.astimezone(SH).date().isoformat() == "2022-01-27"


def test_date_only_meta_one_day_before_the_page_date_yields_too() -> None:
    html = page(head=pubdate("2022-01-26"), byline="发布时间：2022-01-27 09:30")
    assert clock(extract_article(html, "").published_local) == ("2022-01-27 09:30", timedelta(hours=8))


def test_date_only_meta_far_from_the_page_date_stays() -> None:
    # two days apart: the page date is something else (an event), the meta is the publish date
    html = page(head=pubdate("2022-01-29"), byline="发布时间：2022-01-27 09:30")
    assert clock(extract_article(html, "").published_local) == ("2022-01-29 00:00", timedelta(hours=8))


def test_event_date_inside_the_text_does_not_overrule_a_date_only_meta() -> None:
    html = page(head=pubdate("2024-03-02"), byline="来源：某某日报").replace(
        f"<p>{PARAS[1]}</p>", f"<p>2024年3月1日晚，{PARAS[1]}</p>")
    assert clock(extract_article(html, "").published_local) == ("2024-03-02 00:00", timedelta(hours=8))


def test_meta_with_a_time_of_day_is_not_overruled_by_a_date_a_day_off() -> None:
    html = page(head=meta_time("2022-01-28T10:15:00+08:00"), byline="2022年01月27日")
    assert clock(extract_article(html, "").published_local) == ("2022-01-28 10:15", timedelta(hours=8))


# ------------------------------------------------------------------ pages of several entries

ENTRY_TEXT = [
    "今天和朋友去社区参加了反家暴宣传活动，听了律师的讲解，才知道家暴不是家务事，受害人可以申请人身安全保护令。",
    "周末带孩子去图书馆，看到很多家长陪孩子一起读书，孩子们安安静静地坐在地上翻绘本，心里觉得特别温暖。",
    "回国探亲的时候，和外婆一起去了江南的小乡村，路宽了，田也变得现代化了，一切熟悉又陌生，写下这些留作纪念。",
]


def blog(times: list[str], long_entry: int, headed: bool = True) -> str:
    entries = []
    for n, (when, text) in enumerate(zip(times, ENTRY_TEXT, strict=True)):
        body = "".join(f"<p>{text}</p>" for _ in range(4 if n == long_entry else 1))
        stamp = f"<div class='stamp'>{when}</div>" if headed else ""
        entries.append(f"<div class='entry'><h3>第{n + 1}篇日志的标题</h3>{stamp}<div class='text'>{body}</div>"
                       f"<div>[打印]</div><div>由海姑娘张贴 @ {when} (12{n})</div></div>")
    return ("<html><head><meta charset='utf-8'><title>海姑娘的博客</title></head><body>"
            "<h1>海姑娘</h1><div class='archive'>" + "".join(entries) + "</div>"
            "<div>Copyright © 2005 example.com</div></body></html>")


def test_blog_archive_page_is_dated_by_its_first_entry() -> None:
    times = ["2005-06-14 03:25:55", "2005-06-13 15:00:14", "2005-06-10 05:53:20"]
    art = extract_article(blog(times, long_entry=1), "")
    # the densest block is the second entry, but the page stands for its first: date and text
    assert clock(art.published_local) == ("2005-06-14 03:25", timedelta(hours=8))
    assert art.text == ENTRY_TEXT[0]


def test_footer_dated_entries_date_the_page_but_keep_the_dense_text() -> None:
    # "posted @ date" after each entry: where the first entry's text starts is unclear
    times = ["2005-06-14 03:25:55", "2005-06-13 15:00:14", "2005-06-10 05:53:20"]
    art = extract_article(blog(times, long_entry=2, headed=False), "")
    assert clock(art.published_local) == ("2005-06-14 03:25", timedelta(hours=8))
    # the text between the first two "posted" lines is the second entry: not taken
    assert ENTRY_TEXT[2] in art.text and ENTRY_TEXT[1] not in art.text


def test_entries_out_of_date_order_are_no_archive() -> None:
    # not in date order: not a list of entries, the byline nearest the body stays
    times = ["2005-06-10 05:53:20", "2005-06-14 03:25:55", "2005-06-13 15:00:14"]
    art = extract_article(blog(times, long_entry=1), "")
    assert clock(art.published_local) == ("2005-06-14 03:25", timedelta(hours=8))
    times = ["2005-06-13 15:00:14", "2005-06-10 05:53:20", "2005-06-14 03:25:55"]
    art = extract_article(blog(times, long_entry=1), "")
    assert clock(art.published_local) == ("2005-06-10 05:53", timedelta(hours=8))


def test_comments_after_a_news_body_do_not_make_it_an_archive() -> None:
    # dated like blog entries (one template, in order, text between), but all after the body
    comments = "".join(f"<div class='c'><p>网友{n}：孩子平安就好，家长一定要多留心。</p><p>感谢民警和志愿者。</p>"
                       f"<div>发表于 2024-03-0{n} 1{n}:00</div></div>" for n in (2, 3, 4))
    html = page(byline="发布时间：2024-03-01 09:30 来源：某某日报", after_body=comments)
    assert clock(extract_article(html, "").published_local) == ("2024-03-01 09:30", timedelta(hours=8))


def test_a_list_of_dated_links_is_no_archive() -> None:
    # dates on their own lines right after each link: a list, no text between the entries
    links = "".join(f"<li><a href='/{n}'>新闻标题{n}</a><div>2024-02-2{n} 10:00</div></li>" for n in range(1, 6))
    html = page(byline="发布时间：2024-03-01 09:30", after_body=f"<ul>{links}</ul>").replace(
        "<div class='content'>", f"<ul>{links}</ul><div class='content'>")
    assert clock(extract_article(html, "").published_local) == ("2024-03-01 09:30", timedelta(hours=8))
