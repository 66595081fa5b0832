"""Retraining from the dashboard: the background trainer records its outcome in the audit log."""

from __future__ import annotations

import time

from service.settings import load_settings
from service.wiring import Retrainer
from store import StoreConfig, open_store


def _wait(retrainer: Retrainer, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while retrainer._lock.locked():
        assert time.monotonic() < deadline, "training did not finish"
        time.sleep(0.2)


def test_retrainer_records_the_new_version_and_failures(tmp_path):
    store = open_store(StoreConfig(sqlite_path=str(tmp_path / "y.db")))
    settings = load_settings(env={"YUQING_DATA_DIR": str(tmp_path), "YUQING_MODEL_DIR": str(tmp_path / "models")})
    retrainer = Retrainer(settings, store)
    assert "已开始" in retrainer()
    assert "已有训练任务" in retrainer()  # one at a time
    _wait(retrainer)
    [done] = store.audit_log(target_type="model")
    assert done.action == "train_model" and done.actor == "system"
    assert done.target_id == retrainer.last_result and (tmp_path / "models").is_dir()
    assert done.note == "含分析员标注 0 条"

    # a model directory that is a file: training fails, and the failure is recorded
    blocked = tmp_path / "blocked"
    blocked.write_text("not a directory")
    failing = Retrainer(load_settings(env={"YUQING_DATA_DIR": str(tmp_path), "YUQING_MODEL_DIR": str(blocked)}), store)
    failing()
    _wait(failing)
    latest = store.audit_log(target_type="model")[0]
    assert latest.action == "train_failed" and latest.target_id == "-" and latest.note
    assert failing.last_result is None
    store.close()
