"""Chinese (Simplified and Traditional) date strings -> aware UTC datetimes.

Own regular expressions handle the absolute forms first because dateparser misreads
several common page forms (`3月1日` -> None, `11-20 09:15` -> year 2011, `下午3時`,
民國 years). Relative forms (`3分钟前`, `昨天 18:30`) go to dateparser with
RELATIVE_BASE=now, and our own patterns catch what it misses (`幾分鐘前`).
"""

from __future__ import annotations

import email.utils
import re
import unicodedata
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser
import opencc

__all__ = ["parse_datetime", "find_datetime", "find_datetimes", "wall_clock_readings"]

_MAX_LEN = 200  # longer strings are page text, not a date field; find_datetime handles those

_AMPM = r"(?P<ampm>上午|下午|晚上|晚间|夜里|夜间|凌晨|中午|早上|早晨|清晨|傍晚|午后|AM|PM|am|pm)?"
# Possessive \s*+: runs of spaces in hostile text must not backtrack quadratically.
_TIME = (
    r"(?:\s*+|T|\s*+[,，]\s*+)" + _AMPM +
    r"\s*+(?P<H>\d{1,2})\s*+(?:[:：]|时|点)\s*+(?:(?P<M>\d{1,2})\s*+分?)?"
    r"(?:\s*+[:：]\s*+(?P<S>\d{1,2}(?:\.\d+)?)\s*+秒?)?"
    r"(?:\s*+(?P<tz>Z|[+-]\d{2}:?\d{2}|GMT[+-]?\d{0,2}|UTC[+-]?\d{0,2}|CST))?"
)
# Year-month-day with -, /, . or 年月日; 民国 years are converted later.
_YMD = re.compile(
    r"(?<![\d/.-])(?:(?P<roc>民国)\s*(?P<ry>\d{1,3})|(?P<y>\d{4}))"
    # one separator used twice (2024-03-01, 2024/3/1), or 年月日; "2004 - 01/01" is no date
    r"(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d/])|"
    r"\s*年\s*(?P<cm>\d{1,2})\s*月\s*(?P<cd>\d{1,2})(?!\d)\s*[日号]?)"
    r"(?:" + _TIME + r")?"
)
# Month-day with 月日: safe to search anywhere in a string.
_MD_CN = re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号](?:" + _TIME + r")?")
# Month-day with a dash or slash: only when it is (almost) the whole string, since
# "3-5人" in running text is not a date.
_MD_NUM = re.compile(r"^\s*(?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?:" + _TIME + r")?\s*$")
_EPOCH = re.compile(r"^\s*(?P<s>\d{10})(?P<ms>\d{3})?\s*$")
_RFC822 = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")

_CN_NUM = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9, "十": 10, "几": 3, "数": 3, "半": 0.5}
_REL_UNIT = {"秒": "seconds", "秒钟": "seconds", "分": "minutes", "分钟": "minutes",
             "小时": "hours", "个小时": "hours", "钟头": "hours", "个钟头": "hours",
             "天": "days", "日": "days", "周": "weeks", "星期": "weeks", "个星期": "weeks",
             "个月": "months", "月": "months", "年": "years"}
_REL = re.compile(
    r"(?P<n>\d+|[一两二三四五六七八九十几数半]+)\s*(?P<u>秒钟|秒|分钟|分|个小时|小时|个钟头|钟头|天|日|"
    r"个星期|星期|周|个月|月|年)\s*(?:之|以)?前"
)
_DAY_WORDS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "大前天": 3}
_DAY_REL = re.compile(r"(?P<w>大前天|前天|昨天|昨日|今天|今日)(?:" + _TIME + r")?")
_JUST_NOW = re.compile(r"^\s*(刚刚|刚才|剛剛|刚|just now)\s*$", re.I)
_RELATIVE_HINT = re.compile(r"前|刚|昨|今|天|ago|小时|分钟|秒", re.I)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like 'Asia/Shanghai')") from exc


def _normalize(text: str) -> str:
    # NFKC turns full-width digits and colons (２０２４年３月１日 １２：００) into ASCII.
    text = unicodedata.normalize("NFKC", text)
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        text = _t2s().convert(text)  # 時/點/鐘/幾/國 -> simplified so one set of patterns fits
    return text.replace("\u3000", " ").strip()


def _hour24(hour: int, ampm: str | None) -> int:
    if not ampm:
        return hour
    if ampm.lower() in ("pm", "下午", "晚上", "晚间", "夜里", "夜间", "傍晚", "午后") and hour < 12:
        return hour + 12
    if ampm == "中午" and hour < 11:
        return hour + 12
    if ampm.lower() in ("am", "凌晨", "上午", "早上", "早晨", "清晨") and hour == 12:
        return 0
    return hour


def _tz_from(token: str | None, default: tzinfo) -> tzinfo:
    if not token or token == "CST":  # CST on Chinese sites means China Standard Time
        return default
    if token == "Z":
        return UTC
    m = re.fullmatch(r"(?:GMT|UTC)?([+-])?(\d{1,2}):?(\d{2})?", token)
    if token in ("GMT", "UTC") or not m:
        return UTC
    sign = -1 if m.group(1) == "-" else 1
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    from datetime import timezone as _tz

    return _tz(sign * timedelta(hours=hours, minutes=minutes))


def _build(y: int, mo: int, d: int, m: re.Match[str], zone: tzinfo) -> datetime | None:
    groups = m.groupdict()
    hour = minute = 0
    second = 0.0
    if groups.get("H") is not None:
        hour = _hour24(int(groups["H"]), groups.get("ampm"))
        minute = int(groups["M"] or 0)
        second = float(groups["S"] or 0)
    try:
        local = datetime(y, mo, d, hour, minute, int(second), tzinfo=_tz_from(groups.get("tz"), zone))
    except ValueError:  # 2月30日, 25:00 ...
        return None
    return local.astimezone(UTC)


def _month_day(m: re.Match[str]) -> tuple[int, int]:
    if m.group("m") is not None:
        return int(m.group("m")), int(m.group("d"))
    return int(m.group("cm")), int(m.group("cd"))


def _year(m: re.Match[str]) -> int:
    if m.group("roc"):
        return int(m.group("ry")) + 1911  # 民国 1 = 1912
    return int(m.group("y"))


def _absolute(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    m = _YMD.search(text)
    if m:
        year = _year(m)
        if year < 1900 or year > 2100:
            return None
        return _build(year, *_month_day(m), m, zone)
    m = _MD_CN.search(text) or _MD_NUM.search(text)
    if m:
        mo, d = int(m.group("m")), int(m.group("d"))
        result = _build(now.year, mo, d, m, zone)
        # A month-day without a year is this year unless that lies in the future.
        if result is not None and result > now.astimezone(UTC) + timedelta(hours=1):
            result = _build(now.year - 1, mo, d, m, zone)
        return result
    return None


def _own_relative(text: str, zone: tzinfo, now: datetime) -> datetime | None:
    local_now = now.astimezone(zone)
    if _JUST_NOW.match(text):
        return now.astimezone(UTC)
    m = _REL.search(text)
    if m:
        raw = m.group("n")
        if raw.isdigit():
            n: float = int(raw)
        elif raw in _CN_NUM:
            n = _CN_NUM[raw]
        elif len(raw) == 2 and raw[0] == "十":
            n = 10 + _CN_NUM.get(raw[1], 0)
        elif len(raw) == 2 and raw[1] == "十":
            n = _CN_NUM.get(raw[0], 1) * 10
        else:
            return None
        unit = _REL_UNIT[m.group("u")]
        if unit == "months":
            delta = timedelta(days=30 * n)
        elif unit == "years":
            delta = timedelta(days=365 * n)
        else:
            delta = timedelta(**{unit: n})
        return (local_now - delta).astimezone(UTC)
    m = _DAY_REL.search(text)
    if m:
        day = (local_now - timedelta(days=_DAY_WORDS[m.group("w")])).date()
        if m.group("H") is None:
            # A bare 昨天 has no time: keep the current clock time, as dateparser does.
            return (local_now - timedelta(days=_DAY_WORDS[m.group("w")])).astimezone(UTC)
        return _build(day.year, day.month, day.day, m, zone)
    return None


def _dateparser(text: str, zone_name: str, now: datetime) -> datetime | None:
    settings = {
        "TIMEZONE": zone_name,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": now.astimezone(_zone(zone_name)).replace(tzinfo=None),
        "PREFER_DATES_FROM": "past",
    }
    try:
        result = dateparser.parse(text, languages=["zh", "zh-Hant"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; garbage must give None
        return None
    if result is None:
        return None
    if result.tzinfo is None:
        result = result.replace(tzinfo=_zone(zone_name))
    return result.astimezone(UTC)


def parse_datetime(
    text: str, timezone: str = "Asia/Shanghai", now: datetime | None = None
) -> datetime | None:
    """Parse one date string as found on a page or in an API; None when it is not a date.

    Naive values are in `timezone` (the source's zone); the result is aware UTC.
    `now` is the base for relative forms and for years left out (default: the clock).
    """
    zone = _zone(timezone)
    if now is None:
        now = datetime.now(zone)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=zone)
    if not isinstance(text, str):
        return None
    raw = text.strip()
    if not raw or len(raw) > _MAX_LEN:
        return None
    try:
        return _parse(raw, timezone, zone, now)
    except Exception:  # never let a strange string break a crawl
        return None


def _parse(raw: str, zone_name: str, zone: tzinfo, now: datetime) -> datetime | None:
    m = _EPOCH.match(raw)
    if m:
        return datetime.fromtimestamp(int(m.group("s")), UTC)
    if _RFC822.match(raw):
        try:
            result = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            result = None
        if result is not None:
            if result.tzinfo is None:
                result = result.replace(tzinfo=zone)
            return result.astimezone(UTC)
    text = _normalize(raw)
    iso = re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$", text)
    if iso:
        try:
            result = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            result = None
        if result is not None:
            if result.tzinfo is None:
                result = result.replace(tzinfo=zone)
            return result.astimezone(UTC)
    result = _absolute(text, zone, now)
    if result is not None:
        return result
    if not _RELATIVE_HINT.search(text):
        return None
    result = _dateparser(text, zone_name, now)
    if result is not None and result <= now.astimezone(UTC) + timedelta(minutes=1):
        return result
    return _own_relative(text, zone, now)


def find_datetime(
    text: str, timezone: str = "Asia/Shanghai", now: datetime | None = None
) -> datetime | None:
    """The first full date (year, month, day, optional time) inside longer text, e.g. a
    page's byline `2024年03月01日 12:00 来源：人民网`; None when there is none."""
    found = find_datetimes(text, timezone, now, limit=1)
    return found[0] if found else None


def find_datetimes(
    text: str, timezone: str = "Asia/Shanghai", now: datetime | None = None, limit: int = 50
) -> list[datetime]:
    """Every full date inside longer text, in order of appearance (at most `limit`).
    Dates before 1990 or after next year are skipped: they are history, not bylines."""
    zone = _zone(timezone)
    if now is None:
        now = datetime.now(zone)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=zone)
    if not isinstance(text, str) or not text:
        return []
    found: list[datetime] = []
    try:
        norm = _normalize(text[:50000])
        for m in _YMD.finditer(norm):
            year = _year(m)
            if 1990 <= year <= now.year + 1:
                result = _build(year, *_month_day(m), m, zone)
                if result is not None:
                    found.append(result)
                    if len(found) >= limit:
                        break
    except Exception:  # hostile text must not raise
        return found
    return found


# Day-first or month-first numeric dates with the year last (06/02/2022 - 13:48), as
# European and American sites print them. Ambiguous alone, so only wall_clock_readings
# uses them, where the caller checks each reading against a known instant.
_DMY = re.compile(
    r"(?<![\d/.-])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d/])"
    r"(?:\s*+(?:[-,à@]|at|um)?\s*+(?P<H>\d{1,2})\s*+[:hH]\s*+(?P<M>\d{2})(?:\s*+(?P<ampm>[AaPp][Mm]))?)?"
)


def wall_clock_readings(text: str, limit: int = 6) -> list[datetime]:
    """Every date with a clock time in `text` as the naive wall-clock reading it shows,
    in order; a day/month/year date whose order is unclear gives both readings. Only
    readings with a time of day: a bare date cannot tell a UTC offset."""
    if not isinstance(text, str) or not text:
        return []
    readings: list[datetime] = []
    try:
        norm = _normalize(text[:2000])
        for m in _YMD.finditer(norm):
            if m.group("H") is None:
                continue
            try:  # the clock as printed, whatever offset token follows it
                readings.append(datetime(_year(m), *_month_day(m), _hour24(int(m.group("H")), m.group("ampm")),
                                         int(m.group("M") or 0)))
            except ValueError:
                continue
        for m in _DMY.finditer(norm):
            if m.group("H") is None:
                continue
            a, b, year, minute = (int(m.group(k)) for k in ("a", "b", "y", "M"))
            hour = _hour24(int(m.group("H")), m.group("ampm"))
            for day, month in {(a, b), (b, a)}:
                try:
                    readings.append(datetime(year, month, day, hour, minute))
                except ValueError:  # 13/02: only one order is a date
                    continue
    except Exception:  # hostile text must not raise
        return readings[:limit]
    return readings[:limit]
