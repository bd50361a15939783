"""`mediation-hub serve` as a process: the way an operator starts it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.services import free_port, wait_for_port


def test_serve_runs_with_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "var"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data),
            "--ice-address",
            "127.0.0.1",
            "--no-ice-discover",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, limit=30)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/healthz") as response:
            assert json.load(response) == {"status": "ok"}
        with urllib.request.urlopen(base + "/readyz") as response:
            assert json.load(response)["checks"] == {"database": "ok"}
        token = (data / "metrics.token").read_text().strip()
        scrape = urllib.request.Request(
            base + "/metrics", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(scrape) as response:
            text = response.read().decode()
        assert "hub_rooms 0" in text
        # start-up's objects are frozen: a full collection walks only what rooms keep
        (frozen,) = [line for line in text.splitlines() if line.startswith("hub_gc_frozen_objects")]
        assert float(frozen.split()[1]) > 50_000, frozen
        try:
            urllib.request.urlopen(base + "/metrics")
            raise AssertionError("/metrics answered without its token")
        except urllib.error.HTTPError as refused:
            assert refused.code == 401
        assert (data / "hub.sqlite3").exists()
        assert (data / "secret.key").exists()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert f"http://127.0.0.1:{port}" in out


def test_help_lists_the_contract_options() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "hub.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for option in ("--host", "--port", "--data-dir", "--ice-address"):
        assert option in out


def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "hub.cli",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "已被占用" in lines[0] and str(port) in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout
