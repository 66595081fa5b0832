"""Group items about the same incident into one event (store.Event).

Two ways to join an event: a copy (repost, quote, Traditional-script copy) shares most
of its text with an item of the event; a rephrased report of the same incident shares
its particulars (district, ages, numbers, victims, places, rarer keywords: see
alerts.incident). The first is measured on character shingles as below, the second
by `incident_score`.

Texts are normalized (Traditional -> Simplified, no URLs/@mentions/#topics#/punctuation)
and cut into character shingles. A new item joins the open event, of the same category
and within `window_days`, whose items share the most shingles with it: similarity is the
overlap coefficient |A & B| / min(|A|, |B|) because a repost usually quotes part of the
original plus its own comment, which plain Jaccard punishes. Very short texts, where the
overlap coefficient is unreliable, fall back to Jaccard. Candidates come from an inverted
index over the shingles and words of recent events' items, so new items are not compared
with every stored item.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jieba.analyse
import opencc

from store import Event, Item, ItemQuery, Store, utcnow

from .incident import SAME_INCIDENT_THRESHOLD, Profile, incident_score, profile
from .labels import effective_labels, item_time
from .text import clean_line

log = logging.getLogger(__name__)
_T2S = opencc.OpenCC("t2s")
_NOISE = re.compile(r"https?://\S+|www\.\S+|@[\w\-\u4e00-\u9fff]{1,30}|#[^#\n]{1,40}#|\[[^\]]{1,10}\]")
_URLS_MENTIONS = re.compile(r"https?://\S+|www\.\S+|@[\w\-\u4e00-\u9fff]{1,30}")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_REPOST = re.compile(r"^(转发|轉發|转|//|回复|RT)[:：\s]*")


def normalize(text: str) -> str:
    """Comparable text: Simplified, lower case, only letters/digits/CJK."""
    text = _T2S.convert(text or "")
    text = _NOISE.sub(" ", text)
    text = _REPOST.sub("", text.strip())
    return _NON_WORD.sub("", text).lower()


def shingles(text: str, k: int = 3) -> frozenset[str]:
    norm = normalize(text)
    if len(norm) <= k:
        return frozenset([norm]) if norm else frozenset()
    return frozenset(norm[i : i + k] for i in range(len(norm) - k + 1))


def similarity(a: frozenset[str], b: frozenset[str], min_shingles: int = 12,
               weight: Callable[[str], float] | None = None) -> float:
    """Overlap coefficient (Jaccard for very short texts), optionally idf-weighted."""
    if not a or not b:
        return 0.0
    w = weight or (lambda _s: 1.0)
    common = sum(w(s) for s in a & b)
    if min(len(a), len(b)) < min_shingles:  # too short for containment to mean anything
        return common / sum(w(s) for s in a | b)
    return common / min(sum(w(s) for s in a), sum(w(s) for s in b))


def event_id_for(first_item_id: str) -> str:
    return "ev-" + hashlib.sha1(first_item_id.encode("utf-8")).hexdigest()[:20]


def top_keywords(texts: Iterable[str], k: int = 8) -> list[str]:
    joined = _URLS_MENTIONS.sub(" ", _T2S.convert(" ".join(texts))[:5000])
    try:
        return [w for w in jieba.analyse.extract_tags(joined, topK=k) if not w.isdigit()]
    except Exception:  # keywords are decoration; never fail grouping over them
        log.exception("keyword extraction failed")
        return []


def _signature(item: Item, chars: int) -> str:
    return f"{item.title or ''} {(item.text or '')[:chars]}"


def _keyword_text(item: Item) -> str:
    # Titles name the incident; count them twice so keywords lean on them.
    return f"{item.title or ''} {item.title or ''} {(item.text or '')[:400]}"


@dataclass
class _Member:
    event_id: str
    sig: frozenset[str]
    prof: Profile


def _word_keys(prof: Profile) -> list[str]:
    # Words share the inverted index with shingles; the prefix keeps the two apart.
    # Sorted: set order changes between processes, and candidate ties must not.
    return ["w\x00" + w for w in sorted(prof.words)]


@dataclass
class _State:
    """What the grouper knows about one event during a run."""

    event: Event
    texts: list[str] = field(default_factory=list)
    dirty: bool = False


class EventGrouper:
    """Assigns items to events. `group(items)` sets item.event_id and stores events."""

    def __init__(
        self,
        store: Store,
        *,
        window_days: float = 7,
        threshold: float = 0.5,
        incident_threshold: float = SAME_INCIDENT_THRESHOLD,
        shingle_size: int = 3,
        text_chars: int = 400,
        max_events: int = 5000,
        items_per_event: int = 30,
        max_pages: int = 40,
        clock: Callable[[], datetime] | None = None,
    ):
        self.store, self.window = store, timedelta(days=window_days)
        self.threshold, self.k, self.text_chars = threshold, shingle_size, text_chars
        self.incident_threshold = incident_threshold
        # item id -> (shingles, profile): every run reloads the window's items, and
        # normalizing and segmenting them again each time was most of the cost.
        self._features: dict[str, tuple[frozenset[str], Profile]] = {}
        self.max_events, self.items_per_event = max_events, items_per_event
        self.max_pages = max_pages
        self.clock = clock or utcnow

    # -- public ----------------------------------------------------------------------
    def group(self, items: list[Item]) -> list[Event]:
        """Group the relevant, not yet grouped items; return the events created or grown."""
        todo = [i for i in items if i.event_id is None and effective_labels(i)["relevant"]]
        if not todo:
            return []
        now = self.clock()
        states, members, index = self._load(now)
        assigned: dict[str, list[str]] = defaultdict(list)
        for item in sorted(todo, key=item_time):
            state = self._follow_original(item, states) or self._best_match(item, states, members, index)
            if state is None:
                state = self._new_event(item)
                states[state.event.id] = state
            self._add(state, item)
            item.event_id = state.event.id
            assigned[state.event.id].append(item.id)
            self._index(self._member(state.event.id, item), members, index)
        dirty = [s for s in states.values() if s.dirty]
        for s in dirty:
            s.event.keywords = top_keywords(s.texts)
        self.store.upsert_events([s.event for s in dirty])
        for event_id, ids in assigned.items():
            self.store.set_event(ids, event_id)
        return [s.event for s in dirty]

    def close_stale(self, now: datetime | None = None) -> int:
        """Close open events with no new item for window_days; returns how many."""
        now = now or self.clock()
        stale = [e for e in self.store.list_events(status="open", limit=self.max_events * 2)
                 if e.last_seen < now - self.window]
        for e in stale:
            e.status = "closed"
        return self.store.upsert_events(stale) if stale else 0

    # -- internals -------------------------------------------------------------------
    def _load(self, now: datetime) -> tuple[dict[str, _State], list[_Member], dict[str, list[int]]]:
        """Open events of the window and up to items_per_event of their items.

        Items are read in a few pages over the time window rather than one query per
        event, so the cost does not grow with the number of open events.
        """
        states = {
            e.id: _State(e)
            for e in self.store.list_events(status="open", limit=self.max_events)
            if e.last_seen >= now - self.window
        }
        members: list[_Member] = []
        index: dict[str, list[int]] = defaultdict(list)
        if not states:
            return states, members, index
        loaded: Counter[str] = Counter()
        cursor = None
        for _ in range(self.max_pages):  # bounded: max_pages x 500 items
            page = self.store.search_items(ItemQuery(
                since=now - 2 * self.window, include_duplicates=True, size=500, cursor=cursor,
                sort=[("published_at", "asc"), ("id", "asc")],
            ))
            for item in page.items:
                state = states.get(item.event_id or "")
                if state is None or loaded[state.event.id] >= self.items_per_event:
                    continue
                loaded[state.event.id] += 1
                state.texts.append(_keyword_text(item))
                self._index(self._member(state.event.id, item), members, index)
            cursor = page.next_cursor
            if not cursor or not page.items:
                break
        return states, members, index

    def _state_for(self, event: Event) -> tuple[_State, list[Item]]:
        page = self.store.search_items(ItemQuery(event_id=event.id, size=self.items_per_event,
                                                 include_duplicates=True,
                                                 sort=[("published_at", "asc")]))
        return _State(event, [_keyword_text(i) for i in page.items]), page.items

    def _features_of(self, item: Item) -> tuple[frozenset[str], Profile]:
        found = self._features.get(item.id)
        if found is None:
            if len(self._features) >= 50_000:  # bounded memory in a long-running service
                self._features.clear()
            found = (shingles(_signature(item, self.text_chars), self.k),
                     profile(item.title or "", item.text or "", item_time(item), item.district))
            self._features[item.id] = found
        return found

    def _member(self, event_id: str, item: Item) -> _Member:
        return _Member(event_id, *self._features_of(item))

    @staticmethod
    def _index(member: _Member, members: list[_Member], index: dict[str, list[int]]) -> None:
        members.append(member)
        pos = len(members) - 1
        for s in member.sig:
            index[s].append(pos)
        for key in _word_keys(member.prof):
            index[key].append(pos)

    def _follow_original(self, item: Item, states: dict[str, _State]) -> _State | None:
        """A near copy joins its original's event."""
        if not item.duplicate_of:
            return None
        original = self.store.get_item(item.duplicate_of)
        if original and original.event_id:
            if original.event_id in states:
                return states[original.event_id]
            event = self.store.get_event(original.event_id)
            if event:
                states[event.id] = self._state_for(event)[0]
                return states[event.id]
        return None

    def _best_match(self, item: Item, states: dict[str, _State], members: list[_Member],
                    index: dict[str, list[int]]) -> _State | None:
        sig, prof = self._features_of(item)
        if not sig and not prof.words:
            return None
        hits: Counter[int] = Counter()
        word_hits: Counter[int] = Counter()
        limit = max(50, len(members) // 5)  # keys shared by very many texts say little
        for s in sorted(sig):  # sorted: the same candidates in every process
            postings = index.get(s, ())
            if len(postings) <= limit:
                hits.update(postings)
        for key in _word_keys(prof):
            postings = index.get(key, ())
            if len(postings) <= limit:
                word_hits.update(postings)
        category, when = effective_labels(item)["category"], item_time(item)
        # idf weights: boilerplate shared by many texts ("警方通报", "相关部门已介入") counts
        # less than the names, places and details that tell one incident from another.
        n = len(members)
        idf = {s: 1.0 + math.log((n + 1) / (len(index.get(s, ())) + 1)) for s in sig}

        def weight(s: str) -> float:
            return idf[s] if s in idf else 1.0 + math.log((n + 1) / (len(index.get(s, ())) + 1))

        # Candidates: the members sharing most shingles (copies) and most words (rephrasings).
        candidates = dict.fromkeys(
            [pos for pos, _ in hits.most_common(200)] + [pos for pos, _ in word_hits.most_common(100)])
        best, best_score = None, 0.0
        for pos in candidates:
            member = members[pos]
            state = states.get(member.event_id)
            if state is None or not self._compatible(state.event, category, when):
                continue
            score = similarity(sig, member.sig, weight=weight)
            if score < self.threshold:
                # Not a copy: a rephrased report of the same incident, unless particulars conflict.
                rephrased = incident_score(prof, member.prof)  # 0 when particulars conflict
                score = rephrased if rephrased >= self.incident_threshold else 0.0
            if score > best_score:
                best, best_score = state, score
        return best

    def _compatible(self, event: Event, category: str | None, when: datetime) -> bool:
        if event.status != "open":
            return False
        if category and event.category and category != event.category:
            return False
        return event.first_seen - self.window <= when <= event.last_seen + self.window

    def _new_event(self, item: Item) -> _State:
        when = item_time(item)
        event = Event(
            id=event_id_for(item.id),
            title=clean_line(item.title or item.text, 80) or "(无标题)",
            first_seen=when, last_seen=when, item_count=0, max_risk=0,
            category=effective_labels(item)["category"],
        )
        return _State(event)

    @staticmethod
    def _add(state: _State, item: Item) -> None:
        labels, when, event = effective_labels(item), item_time(item), state.event
        event.item_count += 1
        event.first_seen = min(event.first_seen, when)
        event.last_seen = max(event.last_seen, when)
        event.max_risk = max(event.max_risk, labels["risk"])
        if not event.category:
            event.category = labels["category"]
        state.texts.append(_keyword_text(item))
        state.dirty = True
