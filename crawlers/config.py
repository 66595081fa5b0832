"""Crawl sources declared in YAML, validated into `SourceConfig` objects.

A bad file raises `SourceConfigError` naming the file, the source and the key, so an
operator can fix the YAML without reading code. Placeholders such as `${DEMO_BASE}`
are filled from the caller's variables or from `YUQING_<NAME>` environment variables
(the demo site gets a free port at start, so its base URL is only known then).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

KINDS = ("rss", "html", "json_api", "sitemap", "search")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
PLACEHOLDER_RE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
INTERVAL_RE = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class SourceConfigError(ValueError):
    """A sources (or watchlist) file is wrong; the message says where and how to fix it."""

    def __init__(self, file: str | Path, source: str | None, key: str, problem: str):
        self.file, self.source, self.key = str(file), source, key
        where = f"source '{source}': " if source else ""
        super().__init__(f"采集源配置错误 / sources error in {file}: {where}key '{key}': {problem}")


@dataclass
class ListSelectors:
    """Selectors of a list page. A value starting with '/' or '(' is XPath, else CSS."""

    link: str = "a::attr(href)"
    date: str | None = None
    next: str | None = None


@dataclass
class ArticleSelectors:
    title: str | None = None
    published: str | None = None
    content: str | None = None
    author: str | None = None

    def as_dict(self) -> dict[str, str]:
        """In the words of crawlers.extract.extract_article (title/text/time/author)."""
        pairs = {"title": self.title, "text": self.content, "time": self.published, "author": self.author}
        return {k: v for k, v in pairs.items() if v}


@dataclass
class Pagination:
    next: str | None = None  # next-link selector (html) ...
    page_param: str | None = None  # ... or a page number in the URL / template {page}
    cursor_param: str | None = None  # ... or a cursor (api.next_cursor) put in this parameter
    start_page: int = 1
    max_pages: int = 5


@dataclass
class ApiFields:
    """Where the fields of one post sit in a JSON API answer (dotted paths)."""

    items: str = "data.cards"
    item: str | None = "mblog"  # sub-object of each entry holding the post; None = the entry
    id: str = "id"
    text: str = "text"
    title: str | None = None
    created_at: str = "created_at"
    reposts: str | None = "reposts_count"
    comments: str | None = "comments_count"
    likes: str | None = "attitudes_count"
    author: str | None = "user.screen_name"
    url: str | None = None  # a post's own URL, when the API gives one
    next_page: str | None = "data.cardlistInfo.page"
    next_cursor: str | None = None  # cursor paging: where the answer gives the next cursor
    post_url: str = "{origin}/status/{id}"  # built when the API gives no URL


@dataclass
class SourceConfig:
    name: str
    kind: str
    start_urls: list[str] = field(default_factory=list)
    enabled: bool = True
    interval_seconds: int = 600
    timezone: str = "Asia/Shanghai"
    date_format: str | None = None  # strptime format; else crawlers.dates.parse_datetime
    encoding: str | None = None  # override a lying or missing charset
    list: ListSelectors = field(default_factory=ListSelectors)
    article: ArticleSelectors = field(default_factory=ArticleSelectors)
    pagination: Pagination = field(default_factory=Pagination)
    api: ApiFields = field(default_factory=ApiFields)
    search_urls: list[str] = field(default_factory=list)  # templates: {keyword} {page}
    search_format: str = "json"  # json (API answer) or html (list page)
    keywords: list[str] = field(default_factory=list)
    sitemap_follow: list[str] = field(default_factory=list)  # regexes of URLs to crawl
    allowed_domains: list[str] = field(default_factory=list)
    health_notes: str = ""
    file: str = ""


def parse_interval(value: Any) -> int:
    """'10m' / '2h' / '30s' / '1d' / 600 -> seconds."""
    if isinstance(value, bool):
        raise ValueError("not a duration")
    if isinstance(value, int):
        seconds = value
    else:
        m = INTERVAL_RE.match(str(value))
        if not m:
            raise ValueError(f"'{value}' is not a duration such as 10m, 2h or 600")
        seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    if seconds < 10:
        raise ValueError(f"'{value}' is shorter than 10 seconds")
    return seconds


def load_watchlist(path: str | Path) -> list[str]:
    """The watch terms (家暴, 性侵, ...) from config/watchlist.yaml."""
    path = Path(path)
    data = _read_yaml(path)
    terms = data.get("terms")
    if not isinstance(terms, list) or not terms:
        raise SourceConfigError(path, None, "terms", "expected a non-empty list of watch terms")
    out: list[str] = []
    for i, t in enumerate(terms):
        if not isinstance(t, str) or not t.strip():
            raise SourceConfigError(path, None, f"terms[{i}]", "expected a non-empty text")
        out.append(t.strip())
    return out


def load_sources(
    path: str | Path,
    variables: dict[str, str] | None = None,
    watchlist: str | Path | None = None,
    env: dict[str, str] | None = None,
) -> list[SourceConfig]:
    """Read and validate a sources file. Disabled sources are returned too (enabled=False)."""
    path = Path(path)
    env = dict(os.environ if env is None else env)
    data = _read_yaml(path)
    raw_sources = data.get("sources")
    if raw_sources is None:
        raise SourceConfigError(path, None, "sources", "missing; write 'sources:' and a list")
    if not isinstance(raw_sources, list):
        raise SourceConfigError(path, None, "sources", "expected a list of sources")
    unknown_top = set(data) - {"sources", "defaults", "watchlist"}
    if unknown_top:
        raise SourceConfigError(path, None, sorted(unknown_top)[0], "unknown top-level key")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise SourceConfigError(path, None, "defaults", "expected a mapping")
    wl_path = watchlist or data.get("watchlist") or "watchlist.yaml"
    wl_path = Path(wl_path) if Path(wl_path).is_absolute() else path.parent / wl_path
    watch_terms: list[str] | None = None

    out: list[SourceConfig] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_sources):
        if not isinstance(raw, dict):
            raise SourceConfigError(path, f"#{i + 1}", "(source)", "expected a mapping")
        name = raw.get("name")
        label = name if isinstance(name, str) else f"#{i + 1}"
        merged = {**defaults, **raw}
        merged = _substitute(merged, path, label, "", variables or {}, env)
        src = _build(merged, path, label)
        if src.name in seen:
            raise SourceConfigError(path, label, "name", "used by two sources; names must be unique")
        seen.add(src.name)
        if src.kind == "search" and merged.get("keywords", "watchlist") == "watchlist":
            if watch_terms is None:
                if not wl_path.exists():
                    raise SourceConfigError(path, label, "keywords", f"watchlist file {wl_path} does not exist")
                watch_terms = load_watchlist(wl_path)
            src.keywords = list(watch_terms)
        out.append(src)
    return out


def select_sources(sources: list[SourceConfig], names: list[str] | None) -> list[SourceConfig]:
    """The named sources (in the given order), or every enabled one when no names."""
    if not names:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise KeyError(f"未知采集源 / unknown source(s): {', '.join(missing)}; known: {', '.join(sorted(by_name))}")
    return [by_name[n] for n in names]


# ---- internals -----------------------------------------------------------------------

def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceConfigError(path, None, "(file)", f"cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SourceConfigError(path, None, "(file)", f"not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SourceConfigError(path, None, "(file)", "the top level is not a mapping")
    return data


def _substitute(value: Any, file: Path, source: str, key: str, variables: dict[str, str], env: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, file, source, f"{key}.{k}" if key else str(k), variables, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, file, source, f"{key}[{i}]", variables, env) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def repl(m: re.Match[str]) -> str:
        var = m.group(1)
        got = variables.get(var) or env.get(f"YUQING_{var}") or env.get(var)
        if not got:
            raise SourceConfigError(file, source, key, f"placeholder ${{{var}}} is not set (pass it or set YUQING_{var})")
        return got.rstrip("/")

    return PLACEHOLDER_RE.sub(repl, value)


def _str_list(value: Any, file: Path, source: str, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SourceConfigError(file, source, key, "expected a list of texts")
    return [v.strip() for v in value]


def _section(cls: type, value: Any, file: Path, source: str, key: str) -> Any:
    if value is None:
        return cls()
    if not isinstance(value, dict):
        raise SourceConfigError(file, source, key, "expected a mapping")
    names = set(cls.__dataclass_fields__)
    for k, v in value.items():
        if k not in names:
            raise SourceConfigError(file, source, f"{key}.{k}", f"unknown key; use one of: {', '.join(sorted(names))}")
        ftype = str(cls.__dataclass_fields__[k].type)
        if "int" in ftype:
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise SourceConfigError(file, source, f"{key}.{k}", "expected a whole number >= 0")
        elif v is not None and not isinstance(v, str):
            raise SourceConfigError(file, source, f"{key}.{k}", "expected a text (selector or path)")
    return cls(**value)


def _check_url(url: str, file: Path, source: str, key: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise SourceConfigError(file, source, key, f"'{url}' is not an http(s) URL")


_KNOWN = {
    "name", "kind", "start_urls", "enabled", "interval", "timezone", "date_format", "encoding",
    "list", "article", "pagination", "api", "search_urls", "search_format", "keywords",
    "sitemap_follow", "allowed_domains", "health_notes",
}


def _build(raw: dict[str, Any], file: Path, label: str) -> SourceConfig:
    for k in raw:
        if k not in _KNOWN:
            raise SourceConfigError(file, label, str(k), f"unknown key; use one of: {', '.join(sorted(_KNOWN))}")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise SourceConfigError(file, label, "name", "required; lower-case letters, digits and _ (2-64), starting with a letter")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise SourceConfigError(file, name, "kind", f"'{kind}' is not one of {', '.join(KINDS)}")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise SourceConfigError(file, name, "enabled", "expected true or false")
    try:
        interval = parse_interval(raw.get("interval", "10m"))
    except ValueError as exc:
        raise SourceConfigError(file, name, "interval", str(exc)) from None
    tz = raw.get("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(str(tz))
    except Exception:
        raise SourceConfigError(file, name, "timezone", f"unknown time zone '{tz}'; use e.g. Asia/Shanghai") from None
    encoding = raw.get("encoding")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(str(encoding))
        except LookupError:
            raise SourceConfigError(file, name, "encoding", f"unknown encoding '{encoding}'; use e.g. gb18030, big5, utf-8") from None
    date_format = raw.get("date_format")
    if date_format is not None and (not isinstance(date_format, str) or "%" not in date_format):
        raise SourceConfigError(file, name, "date_format", "expected a strptime format such as '%Y-%m-%d %H:%M'")

    src = SourceConfig(
        name=name,
        kind=kind,
        start_urls=_str_list(raw.get("start_urls"), file, name, "start_urls"),
        enabled=enabled,
        interval_seconds=interval,
        timezone=str(tz),
        date_format=date_format,
        encoding=str(encoding) if encoding else None,
        list=_section(ListSelectors, raw.get("list"), file, name, "list"),
        article=_section(ArticleSelectors, raw.get("article"), file, name, "article"),
        pagination=_section(Pagination, raw.get("pagination"), file, name, "pagination"),
        api=_section(ApiFields, raw.get("api"), file, name, "api"),
        search_urls=_str_list(raw.get("search_urls"), file, name, "search_urls"),
        search_format=str(raw.get("search_format", "json")),
        keywords=[] if raw.get("keywords", "watchlist") == "watchlist" else _str_list(raw.get("keywords"), file, name, "keywords"),
        sitemap_follow=_str_list(raw.get("sitemap_follow"), file, name, "sitemap_follow"),
        allowed_domains=_str_list(raw.get("allowed_domains"), file, name, "allowed_domains"),
        health_notes=str(raw.get("health_notes") or ""),
        file=str(file),
    )
    for i, url in enumerate(src.start_urls):
        _check_url(url, file, name, f"start_urls[{i}]")
    if kind == "search":
        if not src.search_urls:
            raise SourceConfigError(file, name, "search_urls", "a search source needs URL templates with {keyword}")
        for i, tpl in enumerate(src.search_urls):
            if "{keyword}" not in tpl:
                raise SourceConfigError(file, name, f"search_urls[{i}]", "template lacks {keyword}")
            _check_url(tpl, file, name, f"search_urls[{i}]")
        if src.search_format not in ("json", "html"):
            raise SourceConfigError(file, name, "search_format", "expected json or html")
    elif not src.start_urls:
        raise SourceConfigError(file, name, "start_urls", "at least one URL is required")
    if src.pagination.max_pages < 1:
        raise SourceConfigError(file, name, "pagination.max_pages", "must be at least 1")
    for i, rx in enumerate(src.sitemap_follow):
        try:
            re.compile(rx)
        except re.error as exc:
            raise SourceConfigError(file, name, f"sitemap_follow[{i}]", f"bad regular expression: {exc}") from None
    return src
