"""Page-number paging: put `param=N` into a URL, or fill `{page}` in a template."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit


def with_page(url: str, param: str, page: int | str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    query.append((param, str(page)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def fill_template(template: str, keyword: str, page: int) -> str:
    """A search URL: {keyword} percent-encoded (UTF-8), {page} the page number."""
    return template.replace("{keyword}", quote(keyword, safe="")).replace("{page}", str(page))


def page_url(url: str, param: str | None, page: int, template: str | None = None, keyword: str | None = None) -> str | None:
    if template is not None and keyword is not None and "{page}" in template:
        return fill_template(template, keyword, page)
    if param:
        return with_page(url, param, page)
    return None
