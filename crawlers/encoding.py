"""Decode Chinese pages right even when the HTTP header lies or is missing.

Order: the source's encoding override; else the header charset when the body really
decodes with it; else the page's own <meta charset>; else the BOM / Scrapy's guess;
GBK and GB2312 are read as GB18030 (a superset), Big5 as Big5-HKSCS.
"""

from __future__ import annotations

import codecs
import re

from scrapy.http import Response, TextResponse

_META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_XML_RE = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)
_HEADER_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
              "big5": "big5hkscs", "cp950": "big5hkscs"}


def _norm(enc: str | None) -> str | None:
    if not enc:
        return None
    enc = enc.strip().lower()
    enc = _SUPERSETS.get(enc, enc)
    try:
        return codecs.lookup(enc).name
    except LookupError:
        return None


def _decodes(body: bytes, enc: str) -> bool:
    try:
        body.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def declared_encodings(response: Response) -> tuple[str | None, str | None]:
    """(header charset, charset the body declares in <meta> or <?xml?>)."""
    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
    m = _HEADER_RE.search(ctype)
    head = response.body[:4096]
    mb = _META_RE.search(head) or _XML_RE.search(head)
    return (_norm(m.group(1)) if m else None, _norm(mb.group(1).decode("ascii")) if mb else None)


def pick_encoding(response: Response, override: str | None = None) -> str:
    if override:
        return _norm(override) or override
    body = response.body
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8"
    header, meta = declared_encodings(response)
    if header and _decodes(body, header):
        return header
    if meta and _decodes(body, meta):
        return meta
    for guess in ("utf-8", "gb18030", "big5hkscs"):
        if _decodes(body, guess):
            return guess
    return meta or header or "utf-8"


def as_text_response(response: Response, override: str | None = None) -> TextResponse:
    """The response as a TextResponse decoded with the right encoding."""
    enc = pick_encoding(response, override)
    if isinstance(response, TextResponse):
        if response.encoding == enc:
            return response
        return response.replace(encoding=enc)
    return TextResponse(url=response.url, body=response.body, headers=response.headers,
                        status=response.status, request=response.request, encoding=enc)
