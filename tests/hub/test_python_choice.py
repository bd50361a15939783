"""`make` makes .venv from the distribution's optimised CPython when it can
(scripts/python.sh; docs/media.md, "The interpreter")."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUALIFIES = "import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))"


def chosen() -> str:
    out = subprocess.run(
        [ROOT / "scripts" / "python.sh"], check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def make_python(*args: str) -> str:
    out = subprocess.run(
        ["make", "-s", "--no-print-directory", *args, "--eval=show: ; @echo $(PYTHON)", "show"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def qualifies(python: str) -> bool:
    return subprocess.run([python, "-c", QUALIFIES], capture_output=True).returncode == 0


def test_the_distributions_python_is_chosen_when_it_can_make_a_venv(tmp_path: Path) -> None:
    python = chosen()
    if qualifies("/usr/bin/python3"):
        assert python == "/usr/bin/python3"
    else:
        assert python == "python3"
    # and what is chosen makes a venv that runs
    subprocess.run([python, "-m", "venv", "--without-pip", tmp_path / "venv"], check=True)
    version = subprocess.run(
        [
            tmp_path / "venv" / "bin" / "python",
            "-c",
            "import sys; print(sys.version_info >= (3, 11))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    assert version.stdout.strip() == "True"


def test_the_makefile_uses_the_choice_unless_told_otherwise() -> None:
    assert make_python() == chosen()
    assert make_python("PYTHON=/opt/python3.12/bin/python3") == "/opt/python3.12/bin/python3"
