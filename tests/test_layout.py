"""The shape of the code base, held by tests: small files, one error base, typed
application keys, and the import contract that keeps media out of rooms' domain."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 600
CODE = (".py", ".js", ".mjs", ".css", ".html", ".sh")
# rooms' live modules: the only ones that may touch media/
LIVE_MODULES = {
    "rooms.live_room",
    "rooms.live_cameras",
    "rooms.live_camera_tiles",
    "rooms.live_events",
    "rooms.admission",
    "rooms.live_actions",
}


def tracked() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [ROOT / name for name in out.splitlines() if (ROOT / name).is_file()]


def python_sources() -> list[Path]:
    return [p for p in tracked() if p.suffix == ".py"]


def test_no_file_is_over_600_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in tracked()
        if p.suffix in CODE and (n := len(p.read_text(errors="replace").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_untyped_application_keys() -> None:
    untyped = [
        str(p.relative_to(ROOT))
        for p in python_sources()
        if re.search(r"AppKey\[\s*Any\s*\]", p.read_text())
    ]
    assert untyped == []


def test_one_error_base_carries_code_message_and_status() -> None:
    writers = [
        str(p.relative_to(ROOT))
        for p in python_sources()
        if not p.is_relative_to(ROOT / "tests") and "self.code = code" in p.read_text()
    ]
    assert writers == ["rooms/errors.py"]


def test_every_rooms_module_but_the_live_ones_is_kept_from_media() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["name"].startswith("Inside rooms")]
    assert contract["forbidden_modules"] == ["media"]
    modules = {
        "rooms." + p.stem if p.is_file() else "rooms." + p.name
        for p in (ROOT / "rooms").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert LIVE_MODULES <= modules
    assert set(contract["source_modules"]) == modules - LIVE_MODULES
