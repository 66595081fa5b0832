import json
from pathlib import Path

from nlp.data import load_labeled, split


def test_classify_trains_first_then_labels_every_good_line(first_run, model_dir):
    assert "no active model" in first_run.stderr
    rows = [json.loads(line) for line in first_run.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["t1", "t3", None]
    # bad lines are reported with their line numbers and the run went on
    assert "line 2" in first_run.stderr and "line 4" in first_run.stderr
    assert first_run.returncode == 1
    for r in rows:
        assert set(r) >= {"id", "relevant", "category", "risk", "rumor_suspected", "sentiment",
                          "scores", "explanation", "district", "model_version"}
        assert 0 <= r["scores"]["relevant"] <= 1
        assert abs(sum(r["scores"]["sentiment"].values()) - 1) < 0.01
        if not r["relevant"]:
            assert r["category"] == "none" and r["risk"] == 0
        for e in r["explanation"]:
            assert e["weight"] > 0 and e["task"] in {"relevant", "category", "risk", "rumor"}
    assert rows[0]["district"] == "河西区"
    assert rows[0]["script"] == "traditional"
    assert rows[2]["relevant"] is True


def test_classify_second_run_uses_the_active_model(cli, model_dir):
    proc = cli(["classify"], model_dir, stdin=json.dumps({"id": 7, "text": "孩子在学校被同学欺凌"}, ensure_ascii=False) + "\n")
    assert proc.returncode == 0, proc.stderr
    assert "no active model" not in proc.stderr
    row = json.loads(proc.stdout)
    assert row["id"] == "7"


def test_models_list_activate_rollback_cli(cli, model_dir):
    proc = cli(["models", "list"], model_dir)
    assert proc.returncode == 0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("*")]
    assert len(lines) == 1
    proc = cli(["models", "activate", "nope"], model_dir)
    assert proc.returncode == 1 and "nope" in proc.stderr
    proc = cli(["models", "rollback"], model_dir)
    assert proc.returncode == 1  # only one version was ever active


def test_evaluate_prints_reports_for_every_task(cli, model_dir, tmp_path):
    _, held = split(load_labeled(strict=False))
    f = tmp_path / "held.jsonl"
    f.write_text("\n".join(json.dumps(it, ensure_ascii=False) for it in held[:80]) + "\n", encoding="utf-8")
    proc = cli(["evaluate", "--data", str(f)], model_dir)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for task in ("relevant", "category", "risk", "rumor_suspected", "sentiment", "risk>=2"):
        assert f"== {task} (accuracy" in out
    assert out.count("confusion (rows = true") == 6
    assert "precision  recall" in out
    assert "relevance_f1" in out and "category_macro_f1" in out
    assert f"evaluated {min(80, len(held))} items" in out


def test_evaluate_rejects_bad_data_file(cli, model_dir, tmp_path):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    proc = cli(["evaluate", "--data", str(f)], model_dir)
    assert proc.returncode == 2
    assert f"{f}:1:" in proc.stderr


def test_models_activate_from_the_cli_is_audited(model_dir, tmp_path):
    import os
    import subprocess
    import sys

    from store import StoreConfig, open_store

    repo = Path(__file__).resolve().parents[2]
    db = tmp_path / "audit.db"
    env = {k: v for k, v in os.environ.items() if k != "YUQING_ES_URL"}
    env |= {"YUQING_MODEL_DIR": str(model_dir), "YUQING_SQLITE_PATH": str(db), "PYTHONPATH": str(repo)}

    def yuqing(*args):
        return subprocess.run([sys.executable, "-m", "service.commands.nlp", *args], capture_output=True,
                              text=True, cwd=repo, env=env, timeout=120)

    version = [ln.split()[1] for ln in yuqing("models", "list").stdout.splitlines() if ln.startswith("*")][0]
    proc = yuqing("models", "activate", version)
    assert proc.returncode == 0, proc.stderr
    assert yuqing("models", "rollback").returncode == 1  # nothing to roll back to: no entry
    store = open_store(StoreConfig(sqlite_path=str(db)))
    [entry] = store.audit_log(target_type="model")
    store.close()
    assert entry.action == "activate_model" and entry.target_id == version
    assert entry.actor.startswith("命令行:") and entry.after == {"version": version}
