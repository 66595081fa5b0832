"""One real model per test session, trained by the CLI into a temporary model dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Mixed inputs for the first `classify` run: it also has to train the default model.
FIRST_INPUT = [
    json.dumps({"id": "t1", "text": "網傳河西區某小區有人販子搶孩子，大家注意！！ http://t.cn/A6x @平安天津"}, ensure_ascii=False),
    "this is not json",
    json.dumps({"id": "t3", "title": "三八节促销", "text": "女神节全场五折，快来抢购😊 #女神节#"}, ensure_ascii=False),
    json.dumps({"id": "t4"}),
    json.dumps({"text": "丈夫长期殴打妻子，妻子多处骨折住院，邻居报警后警方已立案。"}, ensure_ascii=False),
]


@dataclass
class FirstRun:
    model_dir: Path
    returncode: int
    stdout: str
    stderr: str


def run_cli(args: list[str], model_dir: Path, stdin: str = "", timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, YUQING_MODEL_DIR=str(model_dir), PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "service.commands.nlp", *args],
        input=stdin, capture_output=True, text=True, cwd=REPO, env=env, timeout=timeout,
    )


@pytest.fixture(scope="session")
def cli():
    """run_cli(args, model_dir, stdin="") -> CompletedProcess of `yuqing <args>`."""
    return run_cli


@pytest.fixture(scope="session")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    model_dir = tmp_path_factory.mktemp("models")
    proc = run_cli(["classify"], model_dir, stdin="\n".join(FIRST_INPUT) + "\n")
    return FirstRun(model_dir, proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="session")
def model_dir(first_run: FirstRun) -> Path:
    assert "no active model" in first_run.stderr, first_run.stderr
    return first_run.model_dir


@pytest.fixture(scope="session")
def classifier(model_dir: Path):
    from nlp import load_classifier

    return load_classifier(model_dir)
