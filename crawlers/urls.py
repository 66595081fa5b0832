"""Canonical URLs: the same article reached through share links must get one id."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that track who shared a link; they never change the page.
TRACKING_PARAMS = frozenset({
    "spm", "from", "share_token", "fbclid", "gclid", "yclid", "msclkid", "mc_cid", "mc_eid",
    "share_from", "shareid", "share_source", "sharer_shareid", "sharer_sharetime",
    "scene", "clicktime", "enterid", "isappinstalled", "wfr", "_hsenc", "_hsmi", "igshid",
    "ref", "ref_src", "vd_source", "timestamp", "sc_channel", "_wb_source",
})


def _is_tracking(name: str) -> bool:
    n = name.lower()
    return n in TRACKING_PARAMS or n.startswith("utm_")


def canonical_url(url: str) -> str:
    """Sorted query, no fragment, tracking parameters (utm_*, spm, from, ...) dropped."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    cleaned = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))
    return canonicalize_url(cleaned)
