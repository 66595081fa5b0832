"""The last step before our HTML goes into an email: an nh3 allow-list pass.

Crawled values are already escaped by markupsafe where the HTML is built; this pass
guarantees that whatever slipped through can only be plain formatting and http(s) links.
"""

from __future__ import annotations

import nh3

RISK_COLORS = {0: "#6b7280", 1: "#2563eb", 2: "#d97706", 3: "#dc2626"}

_TAGS = {"div", "p", "h1", "h2", "h3", "table", "thead", "tbody", "tr", "th", "td",
         "a", "span", "b", "strong", "ul", "li", "br", "small"}
_ATTRS = {"*": {"style"}, "a": {"href"}, "td": {"colspan"}, "th": {"colspan"}}


def sanitize_fragment(html: str) -> str:
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRS, url_schemes={"http", "https"}, link_rel=None)


def email_document(title: str, body_fragment: str) -> str:
    """A complete, email-safe HTML document (inline CSS only) around a sanitized body."""
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{nh3.clean_text(title)}</title></head>"
            '<body style="font-family:\'PingFang SC\',\'Microsoft YaHei\',sans-serif;color:#111827;'
            f'max-width:760px;margin:0 auto;padding:12px">{sanitize_fragment(body_fragment)}</body></html>')
