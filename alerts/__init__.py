"""Alerts: YAML rules -> rule classes, event grouping, notifiers, daily digest, SMTP.

    from alerts.rules import load_rules
    from alerts.engine import AlertEngine
    engine = AlertEngine(store, load_rules("config/rules.yaml"), notifier=...)
    new_alerts = engine.process(stored_items)   # after items are stored
    engine.run_window()                         # from the scheduler (frequency / spike)

Submodules are imported on use so importing `alerts` stays cheap (jieba loads lazily).
"""
