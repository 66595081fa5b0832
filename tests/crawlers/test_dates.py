"""parse_datetime / find_datetime on the date forms Chinese pages and APIs use."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crawlers.dates import find_datetime, parse_datetime

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=SH)  # 07:00 UTC


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01 12:00", utc(2024, 3, 1, 4, 0)),
        ("2024年3月1日 12:00", utc(2024, 3, 1, 4, 0)),
        ("2024年03月01日12:00", utc(2024, 3, 1, 4, 0)),
        ("2024/3/1", utc(2024, 2, 29, 16, 0)),
        ("2024.03.01 12:00:33", utc(2024, 3, 1, 4, 0, 33)),
        ("２０２４年３月１日　１２：００", utc(2024, 3, 1, 4, 0)),
        ("Fri, 01 Mar 2024 12:00:00 +0800", utc(2024, 3, 1, 4, 0)),
        ("Fri, 01 Mar 2024 12:00:00 GMT", utc(2024, 3, 1, 12, 0)),
        ("2024-03-01T12:00:00+08:00", utc(2024, 3, 1, 4, 0)),
        ("2024-03-01T12:00:00Z", utc(2024, 3, 1, 12, 0)),
        ("2024-03-01T12:00:00", utc(2024, 3, 1, 4, 0)),
        ("2024年3月1日 下午3時", utc(2024, 3, 1, 7, 0)),
        ("2024年3月1日 晚上8点30分", utc(2024, 3, 1, 12, 30)),
        ("民國113年3月1日", utc(2024, 2, 29, 16, 0)),
        ("民国 113 年 3 月 1 日 上午10:20", utc(2024, 3, 1, 2, 20)),
        ("发布时间：2024-03-01 12:00 来源：新华社", utc(2024, 3, 1, 4, 0)),
        ("1709265600", utc(2024, 3, 1, 4, 0)),
    ],
)
def test_absolute_forms(text: str, expected: datetime) -> None:
    assert parse_datetime(text, now=NOW) == expected


def test_month_day_takes_current_year_or_last_year() -> None:
    # 3月1日 is before 26 Nov: this year. 12月1日 would be in the future: last year.
    assert parse_datetime("3月1日", now=NOW) == utc(2026, 2, 28, 16, 0)
    assert parse_datetime("12月1日 08:00", now=NOW) == utc(2025, 12, 1, 0, 0)
    assert parse_datetime("11-20 09:15", now=NOW) == utc(2026, 11, 20, 1, 15)
    assert parse_datetime("12-20 09:15", now=NOW) == utc(2025, 12, 20, 1, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("刚刚", utc(2026, 11, 26, 7, 0)),
        ("剛剛", utc(2026, 11, 26, 7, 0)),
        ("3分钟前", utc(2026, 11, 26, 6, 57)),
        ("2小时前", utc(2026, 11, 26, 5, 0)),
        ("半小时前", utc(2026, 11, 26, 6, 30)),
        ("十分钟前", utc(2026, 11, 26, 6, 50)),
        ("3天前", utc(2026, 11, 23, 7, 0)),
        ("昨天 18:30", utc(2026, 11, 25, 10, 30)),
        ("今天 09:12", utc(2026, 11, 26, 1, 12)),
        ("前天", utc(2026, 11, 24, 7, 0)),
        ("3小時前", utc(2026, 11, 26, 4, 0)),
    ],
)
def test_relative_forms(text: str, expected: datetime) -> None:
    assert parse_datetime(text, now=NOW) == expected


def test_vague_traditional_relative_is_recent_past() -> None:
    result = parse_datetime("幾分鐘前", now=NOW)
    assert result is not None
    assert utc(2026, 11, 26, 6, 45) <= result < utc(2026, 11, 26, 7, 0)


def test_naive_input_uses_the_source_time_zone() -> None:
    assert parse_datetime("2024-03-01 12:00", timezone="UTC", now=NOW) == utc(2024, 3, 1, 12, 0)
    assert parse_datetime("2024-03-01 12:00", timezone="Asia/Taipei") == utc(2024, 3, 1, 4, 0)


def test_naive_now_is_local_and_result_always_aware_utc() -> None:
    result = parse_datetime("2小时前", now=datetime(2026, 11, 26, 15, 0))
    assert result == utc(2026, 11, 26, 5, 0)
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["", "   ", "garbage", "共3-5人受伤", "2月30日", "2024-13-45", "<script>alert(1)</script>",
     "x" * 5000, "99999999999999999999", "第三期", None, 12345],
)
def test_garbage_gives_none(text: object) -> None:
    assert parse_datetime(text, now=NOW) is None  # type: ignore[arg-type]


def test_unknown_time_zone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="time zone"):
        parse_datetime("2024-03-01", timezone="Mars/Olympus")


def test_find_datetime_in_a_byline() -> None:
    text = "责任编辑：张三\n2024年03月01日 12:00 来源：人民网\n正文 2019年5月1日 回顾"
    assert find_datetime(text, now=NOW) == utc(2024, 3, 1, 4, 0)
    assert find_datetime("没有日期的正文，共3-5人。", now=NOW) is None


def test_hostile_whitespace_runs_stay_fast() -> None:
    import time

    from crawlers.dates import find_datetimes

    started = time.perf_counter()
    for text in ("2024-03-01 12:" + " " * 40000 + "x", "2024年3月1日 下午" + " " * 40000):
        assert find_datetimes(text, now=NOW)  # the date is still found
    assert time.perf_counter() - started < 3  # was quadratic backtracking before


def test_wall_clock_readings_are_the_printed_clock() -> None:
    from crawlers.dates import wall_clock_readings

    # year-first: one reading, as printed, whatever offset follows
    assert wall_clock_readings("发布时间：2024-03-01 12:00 来源") == [datetime(2024, 3, 1, 12, 0)]
    assert wall_clock_readings("2024-03-01T12:00:00+01:00") == [datetime(2024, 3, 1, 12, 0)]
    assert wall_clock_readings("2024年3月1日 下午3時") == [datetime(2024, 3, 1, 15, 0)]
    # day/month order is unclear: both readings; 13/02 can only be day-first
    assert sorted(wall_clock_readings("发表时间： 06/02/2022 - 13:48")) == [
        datetime(2022, 2, 6, 13, 48), datetime(2022, 6, 2, 13, 48)]
    assert wall_clock_readings("13/02/2022 09:05") == [datetime(2022, 2, 13, 9, 5)]
    assert wall_clock_readings("02/13/2022 1:48 PM") == [datetime(2022, 2, 13, 13, 48)]
    assert wall_clock_readings("02/13/2022 12:05 am") == [datetime(2022, 2, 13, 0, 5)]
    # no time of day, no reading; garbage gives nothing
    for text in ("2022-02-06", "06/02/2022", "共3-5人", "", None, "2024-02-30 12:00"):
        assert wall_clock_readings(text) == []  # type: ignore[arg-type]
