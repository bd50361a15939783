"""The domain from the command line: first admin, demo city, audit verify."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path


def cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
    )


def test_seed_demo_then_audit_verify_names_a_tampered_entry(tmp_path: Path) -> None:
    seeded = cli(tmp_path, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    assert "东城街道" in seeded.stdout and "mediator-east" in seeded.stdout
    created = cli(tmp_path, "admin", "create", "--username", "ops")
    assert created.returncode == 0 and "one-time password" in created.stdout
    again = cli(tmp_path, "admin", "create", "--username", "ops")
    assert again.returncode == 1

    ok = cli(tmp_path, "audit", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact" in ok.stdout

    with sqlite3.connect(tmp_path / "hub.sqlite3") as db:
        db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
    tampered = cli(tmp_path, "audit", "verify")
    assert tampered.returncode == 1
    assert "#1" in tampered.stdout
