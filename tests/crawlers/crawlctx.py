"""Context factory for crawls under test: a real SQLiteStore, a small real classifier.

Named in the Scrapy setting YUQING_CONTEXT_FACTORY = "crawlctx.make_context"; the test
passes the database path (YUQING_TEST_DB) and a file where handed-on ids are appended
(YUQING_TEST_HANDOFF) through Scrapy settings.
"""

from __future__ import annotations

import json
from typing import Any

from crawlers.context import CrawlContext
from nlp import Prediction
from store.sqlite_store import SQLiteStore

WATCH = {"家暴": "domestic_violence", "家庭暴力": "domestic_violence", "拐卖": "trafficking_missing",
         "失踪": "trafficking_missing", "性侵": "sexual_violence", "欺凌": "school_safety"}
VERSION = "test-keywords-1"


class KeywordClassifier:
    """A real (if tiny) model: watch words decide relevance and category."""

    def __init__(self) -> None:
        self.calls = 0

    def predict(self, texts: list[str], titles: list[str] | None = None) -> list[Prediction]:
        self.calls += 1
        out = []
        for i, text in enumerate(texts):
            full = ((titles or [""] * len(texts))[i] or "") + text
            hits = [(w, c) for w, c in WATCH.items() if w in full]
            if hits:
                out.append(Prediction(True, hits[0][1], 2, False, "negative",
                                      explanation=[{"word": hits[0][0]}], model_version=VERSION))
            else:
                out.append(Prediction(False, "none", 0, False, "neutral", model_version=VERSION))
        return out


def make_context(settings: Any) -> CrawlContext:
    store = SQLiteStore(settings.get("YUQING_TEST_DB"))
    store.setup()
    handoff = settings.get("YUQING_TEST_HANDOFF")

    def on_stored(items: list) -> None:
        if handoff:
            with open(handoff, "a", encoding="utf-8") as fh:
                fh.write(json.dumps([i.id for i in items]) + "\n")

    return CrawlContext(store=store, classifier=KeywordClassifier(), on_stored=on_stored, sources=[])
