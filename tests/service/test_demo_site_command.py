"""Both ways of serving the demo site by hand refuse a taken port with a clear Chinese message."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", [["-m", "service.demo_site"], ["-m", "service.cli", "demo-site"]])
def test_a_taken_port_gives_exit_code_2_and_says_why(command: list[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, *command, "--port", str(port)], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert f"无法监听 127.0.0.1:{port}" in proc.stderr
    assert "演示站点已启动" not in proc.stdout
