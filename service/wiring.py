"""The one place where the stages are connected.

Packages stay independent: crawlers get their collaborators from `crawl_context`
(named in the Scrapy setting YUQING_CONTEXT_FACTORY), the dashboard gets callables
through `dashboard_services`, and stored items reach the alert engine here.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from service.settings import Settings, load_settings
from store import Item, Store, model_change, open_store

log = logging.getLogger(__name__)


def open_store_from(settings: Settings) -> Store:
    return open_store(settings.store)


def model_registry(settings: Settings):
    from nlp.registry import ModelRegistry

    return ModelRegistry(settings.model_path)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_classifier_for(settings: Settings, say: Callable[[str], None] = _stderr):
    """The active model; trains the default one from the packaged data when none is active."""
    from nlp import load_classifier

    model_registry(settings).ensure_active(say)
    return load_classifier(settings.model_path)


class LazyClassifier:
    """The active model, loaded on the first prediction.

    The crawl process hands classification to its pipeline worker, so the crawl process
    itself never pays for loading (or first training) the model.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._classifier: Any = None
        self._lock = threading.Lock()

    def predict(self, texts: list[str], titles: list[str] | None = None) -> list[Any]:
        if self._classifier is None:
            with self._lock:
                if self._classifier is None:
                    self._classifier = load_classifier_for(self.settings)
        return self._classifier.predict(texts, titles=titles)


def build_mailer(settings: Settings):
    from alerts.mailer import Mailer

    return Mailer(settings.smtp)


def build_alert_engine(settings: Settings, store: Store):
    from alerts.engine import AlertEngine
    from alerts.notify import EmailNotifier, LogNotifier
    from alerts.rules import load_rules

    rules = load_rules(settings.path(settings.alerts.rules_file))
    if settings.alerts.notify_to:
        notifier: Any = EmailNotifier(
            build_mailer(settings), settings.alerts.notify_to, settings.alerts.dashboard_url
        )
    else:
        notifier = LogNotifier()
    return AlertEngine(store, rules, notifier=notifier)


def on_items_stored(settings: Settings, store: Store) -> Callable[[list[Item]], None]:
    """Hand stored items to the alert engine. Alert failures never lose stored items."""
    engine = build_alert_engine(settings, store)

    def handle(items: list[Item]) -> None:
        try:
            engine.process(items)
        except Exception:  # the items are stored; the next window run catches up
            log.exception("alert engine failed on %d stored items", len(items))

    return handle


def crawl_context(scrapy_settings: Any):
    """Context factory for the Scrapy item pipeline (Scrapy setting YUQING_CONTEXT_FACTORY)."""
    from crawlers.config import load_sources
    from crawlers.context import CrawlContext

    config_file = scrapy_settings.get("YUQING_CONFIG") if scrapy_settings else None
    settings = load_settings(config_file)
    store = open_store_from(settings)
    return CrawlContext(
        store=store,
        classifier=LazyClassifier(settings),
        on_stored=on_items_stored(settings, store),
        sources=load_sources(settings.path(settings.crawl.sources_file)),
    )


class Retrainer:
    """Retraining from the dashboard: one at a time, in a background thread.

    Training takes tens of seconds; the request that asks for it returns at once.
    """

    def __init__(self, settings: Settings, store: Store):
        self.settings, self.store = settings, store
        self._lock = threading.Lock()
        self.last_result: str | None = None

    def __call__(self) -> str:
        if not self._lock.acquire(blocking=False):
            return "已有训练任务正在进行，请稍后刷新查看"
        threading.Thread(target=self._train, name="retrain", daemon=True).start()
        return "已开始后台训练，完成后新版本出现在模型列表中"

    def _audit(self, action: str, version: str | None, before: str | None, note: str) -> None:
        try:
            self.store.append_audit(model_change(action, "system", version, before, note))
        except Exception:  # the model is trained either way; the log keeps the record
            log.exception("audit entry for %s failed", action)

    def _train(self) -> None:
        before = None
        try:
            registry = model_registry(self.settings)
            before = registry.active()
            items = [analyst_training_row(i) for i in self.store.labeled_items()]
            self.last_result = registry.train(extra_items=items)
            log.info("retrained model %s with %d analyst labels", self.last_result, len(items))
            self._audit("train_model", self.last_result, before, f"含分析员标注 {len(items)} 条")
        except Exception as exc:
            log.exception("retraining failed")
            self.last_result = None
            self._audit("train_failed", None, before, str(exc)[:500])
        finally:
            self._lock.release()


def analyst_training_row(item: Item) -> dict[str, Any]:
    """An analyst-labeled stored item as a training row of the packaged data's schema."""
    label = dict(item.analyst_label or {})
    relevant = bool(label.get("relevant", item.relevant))
    return {
        "id": f"store-{item.id}",
        "text": item.text,
        "title": item.title,
        "form": item.source_type,
        "script": item.script,
        "relevant": relevant,
        "category": label.get("category", item.category) if relevant else "none",
        "risk": int(label.get("risk", item.risk or 0)) if relevant else 0,
        "rumor_suspected": bool(label.get("rumor_suspected", item.rumor_suspected)),
        "sentiment": label.get("sentiment", item.sentiment) or "neutral",
        "district": item.district,
    }


def dashboard_services(settings: Settings, store: Store):
    from dashboard import Services

    registry = model_registry(settings)
    return Services(
        retrain=Retrainer(settings, store),
        list_models=registry.list,
        activate_model=registry.activate,
        rollback_model=registry.rollback,
    )


def create_dashboard(settings: Settings, store: Store):
    from alerts.rules import load_rules
    from dashboard import create_app
    from service.secrets import secret_key

    rules = load_rules(settings.path(settings.alerts.rules_file))
    config = {
        "SECRET_KEY": secret_key(settings),
        "TIMEZONE": settings.timezone,
        "RULE_NAMES": {r.name: r.description or r.name for r in rules},
    }
    return create_app(config, store, dashboard_services(settings, store))
