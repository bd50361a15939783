"""Recordings on disk: <data_dir>/recordings/<recording-id>/ with state.json beside
the segments. state.json is replaced atomically (write, fsync, rename) each time a
segment opens or is sealed, so after a crash it names every sealed segment with its
hash and chain link, and the segments that were still open.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recorder.manifest import MANIFEST_FILE

RECORDINGS_DIR = "recordings"
STATE_FILE = "state.json"
TRASH_DIR = ".deleting"  # recordings whose deletion is under way

# Recording states
RECORDING = "recording"
COMPLETED = "completed"
INTERRUPTED = "interrupted"


def recordings_dir(data_dir: Path) -> Path:
    return data_dir / RECORDINGS_DIR


def write_state(directory: Path, state: dict[str, Any]) -> None:
    tmp = directory / (STATE_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(directory / STATE_FILE)


def read_state(directory: Path) -> dict[str, Any]:
    with open(directory / STATE_FILE, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


@dataclass
class RecordingSummary:
    id: str
    room: str
    state: str
    started_at: float
    duration_s: float
    segments: int
    path: Path
    organisation: str | None = None
    case_id: str | None = None
    kind: str = "recording"  # or camera evidence: "snapshot", "clip"
    camera: str | None = None  # camera evidence: the camera's name

    @property
    def ended_at(self) -> float:
        return self.started_at + self.duration_s


def list_recordings(root: Path, room: str | None = None) -> list[RecordingSummary]:
    """Every recording under root (newest first), optionally of one room."""
    out: list[RecordingSummary] = []
    if not root.is_dir():
        return out
    for directory in root.iterdir():
        if not (directory / STATE_FILE).is_file():
            continue
        try:
            state = read_state(directory)
        except (OSError, ValueError):
            continue
        meta = state.get("metadata", {})
        if room is not None and meta.get("room") != room:
            continue
        started = float(state.get("started_at", 0.0))
        ended = state.get("ended_at") or state.get("updated_at") or started
        out.append(
            RecordingSummary(
                id=state.get("id", directory.name),
                room=meta.get("room", ""),
                state=state.get("state", "?"),
                started_at=started,
                duration_s=max(0.0, float(ended) - started),
                segments=len(state.get("segments", [])),
                path=directory,
                organisation=meta.get("organisation") or None,
                case_id=meta.get("case_id") or None,
                kind=state.get("evidence", {}).get("kind", "recording"),
                camera=state.get("evidence", {}).get("camera_name"),
            )
        )
    out.sort(key=lambda r: r.started_at, reverse=True)
    return out


def recording_identity(directory: Path) -> dict[str, Any]:
    """What identifies a recording, for the audit entry of its deletion: the
    manifest's SHA-256, the chain head and the segment count."""
    state = read_state(directory)
    manifest = directory / MANIFEST_FILE
    return {
        "id": state.get("id", directory.name),
        "room": state.get("metadata", {}).get("room", ""),
        "state": state.get("state"),
        "segments": len(state.get("segments", [])),
        "chainHead": state.get("chain_head"),
        "manifestSha256": (
            hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.is_file() else None
        ),
    }


def remove_recording(directory: Path) -> None:
    """Remove a recording's files for good: one rename into <root>/.deleting/
    (from then on it is no longer listed), then the tree. Safe to run again after
    an interruption at any point."""
    trash = directory.parent / TRASH_DIR / directory.name
    if directory.exists():
        trash.parent.mkdir(exist_ok=True)
        if trash.exists():
            shutil.rmtree(trash)
        directory.replace(trash)
    if trash.exists():
        shutil.rmtree(trash)
