"""The main text: our own text-density finder (as in readability/GNE), trafilatura for
what it misses. The density finder scored better than trafilatura on real Chinese portal
pages (old table layouts, comment threads); trafilatura is slower (it runs its own
fallbacks and htmldate), so it is called only when needed."""

from __future__ import annotations

import copy
import logging
import re
from configparser import ConfigParser
from functools import lru_cache
from typing import Any

import trafilatura
from trafilatura.settings import DEFAULT_CONFIG, set_date_params

from crawlers.extraction.html import CJK, block_text, node_text, squash

__all__ = ["MIN_DENSE_CHARS", "clean_body", "density_body", "doc_attr", "trafilatura_doc"]

log = logging.getLogger(__name__)

# Below this many characters the density finder has probably missed the text.
MIN_DENSE_CHARS = 50


@lru_cache(maxsize=1)
def _config() -> ConfigParser:
    config = copy.deepcopy(DEFAULT_CONFIG)
    # Chinese packs a paragraph into far fewer characters than the English defaults expect.
    config["DEFAULT"]["min_extracted_size"] = "100"
    config["DEFAULT"]["min_output_size"] = "10"
    config["DEFAULT"]["extraction_timeout"] = "0"  # signals do not work off the main thread
    return config


def _date_params() -> dict[str, Any]:
    # No extensive search: it turns "© 2024" into 2024-01-01, a date the page never gave.
    params = set_date_params(False)
    params["outputformat"] = "%Y-%m-%d %H:%M"  # keep the time of day when htmldate finds one
    return params


def trafilatura_doc(text: str, url: str) -> Any:
    """trafilatura's document (text, title, date, author), or None when it fails."""
    try:
        return trafilatura.bare_extraction(
            text, url=url or None, include_comments=False, include_tables=True,
            # neither favor_precision nor favor_recall: the balanced mode scored best here
            with_metadata=True, config=_config(),
            date_extraction_params=_date_params(),
        )
    except Exception as exc:  # trafilatura on broken markup: keep the other fields
        log.debug("trafilatura failed on %s: %s", url, exc)
        return None


def doc_attr(doc: Any, name: str) -> Any:
    if doc is None:
        return None
    if isinstance(doc, dict):
        return doc.get(name)
    return getattr(doc, name, None)


_TABLE_PIPES = re.compile(r"\s*\|\s*")


def clean_body(text: str) -> str:
    out = []
    for line in (text or "").splitlines():
        if "|" in line:
            # trafilatura renders table cells as "a | b |": the pipes are not page text
            line = _TABLE_PIPES.sub(" ", line)
        line = squash(line)
        if line:
            out.append(line)
    return "\n".join(out)


_CANDIDATE_TAGS = ("div", "td", "article", "section", "main", "body", "form", "span", "font", "center")
# Blocks that are page furniture, by the usual class/id words (as readability does).
_NOISE_ATTR = re.compile(
    r"comment|feedback|reply|related|recommend|share|footer|sidebar|breadcrumb|nav|menu|copyright|"
    r"pinglun|xiangguan|tuijian|hot|rank|ad[-_]|banner|login",
    re.I,
)
_FURNITURE_ATTR = re.compile(r"comment|reply|feedback|pinglun|related|sidebar|footer|copyright", re.I)
_DENSITY_DEPTH = 4


def _paragraph_weight(node: Any) -> int:
    if node.tag == "br":
        own = node.tail or ""
    else:
        own = (node.text or "") + "".join(child.tail or "" for child in node)
    own = own.strip()
    if len(own) < 10:
        return 0
    # Punctuation marks running prose, not menus or link lists.
    return len(own) + len(CJK.findall(own)) + 10 * sum(own.count(c) for c in "，。；！？,")


def _in_furniture(node: Any) -> bool:
    """Inside a comments list, sidebar or footer: such prose must not win the page."""
    depth = 0
    while node is not None and depth < 8:
        if isinstance(node.tag, str):
            marker = f"{node.get('class') or ''} {node.get('id') or ''}"
            if marker.strip() and _FURNITURE_ATTR.search(marker):
                return True
        node, depth = node.getparent(), depth + 1
    return False


def density_body(tree: Any) -> str:
    """The block whose paragraphs carry the most prose; a paragraph counts fully for its
    parent and half for the grandparent, and blocks heavy with links are discounted.
    Modifies `tree` (pass a copy)."""
    scores: dict[Any, float] = {}
    for node in tree.iter("p", "br", "td", "div", "font", "span", "pre"):
        if not isinstance(node.tag, str):
            continue
        weight = _paragraph_weight(node)
        if not weight or _in_furniture(node):
            continue
        target: Any = node if node.tag in _CANDIDATE_TAGS else None
        if target is not None:
            scores[target] = scores.get(target, 0.0) + weight
        parent, depth = node.getparent(), 0
        while parent is not None and depth < _DENSITY_DEPTH:
            if isinstance(parent.tag, str) and parent.tag in _CANDIDATE_TAGS:
                scores[parent] = scores.get(parent, 0.0) + weight / (depth + 1)
            parent, depth = parent.getparent(), depth + 1
    if not scores:
        return ""
    best = max(scores, key=lambda n: scores[n] * (1 - _link_share(n)))
    best = _with_similar_siblings(best, scores)
    for bad in best.xpath(".//script|.//style|.//noscript|.//select|.//textarea|.//input"):
        bad.drop_tree()
    for child in list(best.iter()):
        if child is best or not isinstance(child.tag, str) or child.getparent() is None:
            continue
        marker = f"{child.get('class') or ''} {child.get('id') or ''}"
        if (marker.strip() and _NOISE_ATTR.search(marker)) or (
            child.tag in ("ul", "ol", "table", "div") and len(node_text(child)) > 20
            and _link_share(child) > 0.6
        ):
            child.drop_tree()
    return block_text(best)


def _with_similar_siblings(best: Any, scores: dict[Any, float]) -> Any:
    """A forum thread or a story split into same-class blocks (div.post, div.post, ...):
    when siblings like the winner carry prose too, their common parent is the text."""
    parent, cls = best.getparent(), best.get("class")
    if parent is None or not cls or parent.tag not in _CANDIDATE_TAGS:
        return best
    similar = [sib for sib in parent if sib is not best and isinstance(sib.tag, str)
               and sib.tag == best.tag and sib.get("class") == cls and scores.get(sib, 0) > 0]
    return parent if similar else best


def _link_share(node: Any) -> float:
    total = len(node_text(node)) or 1
    linked = sum(len(node_text(a)) for a in node.iter("a"))
    return min(linked / total, 1.0)
