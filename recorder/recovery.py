"""After a crash: close recordings left in state "recording" as "interrupted".

Every segment sealed before the crash is already in state.json with its hash and
chain link. A segment that was still open (torn) is kept byte-for-byte, unaltered,
when it is playable as it stands: it opens and demuxes at least one frame, the
first being a keyframe (WebM: the header and every whole cluster; MPEG-TS: every
whole 188-byte packet). It is then sealed like any other, marked "torn". Otherwise
it is left out of the chain and named, with the reason, in excluded_segments.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import av
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from recorder import store
from recorder.sealer import Sealer
from recorder.verify import SEGMENT_FILE

logger = logging.getLogger(__name__)


@dataclass
class Playable:
    frames: int
    duration_ms: int
    reason: str = ""


def probe_torn(path: Path) -> Playable:
    """How much of a possibly truncated segment plays, read without decoding."""
    frames = 0
    first_key = False
    first_ms = last_ms = prev_ms = 0
    try:
        with av.open(str(path)) as container:
            for packet in container.demux():
                if not packet.size:
                    continue
                if packet.is_corrupt:  # a frame cut by the crash: stop before it
                    break
                pts = packet.pts if packet.pts is not None else packet.dts
                ms = int(pts * packet.time_base * 1000) if pts is not None else last_ms
                if frames == 0:
                    first_key, first_ms = packet.is_keyframe, ms
                frames += 1
                prev_ms, last_ms = last_ms, ms
    except av.error.FFmpegError as exc:
        if frames == 0:
            return Playable(0, 0, f"unreadable: {exc}")
    # The last frame read may be cut short (an MPEG-TS PES ends only where the next
    # begins): count it out; its bytes stay in the file, hashed, unaltered.
    frames -= 1
    last_ms = prev_ms
    if frames <= 0:
        return Playable(0, 0, "no complete frame")
    if not first_key:
        return Playable(0, 0, "does not start on a keyframe")
    return Playable(frames, last_ms - first_ms)


def find_interrupted(recordings_root: Path) -> list[Sealer]:
    """Recordings under recordings_root still in state "recording"."""
    found: list[Sealer] = []
    if not recordings_root.is_dir():
        return found
    for directory in sorted(recordings_root.iterdir()):
        try:
            state = store.read_state(directory)
        except (OSError, ValueError):
            continue
        if state.get("state") == store.RECORDING:
            found.append(Sealer(directory, state))
    return found


async def recover_interrupted(
    recordings_root: Path, key: Ed25519PrivateKey, tsa_url: str | None = None
) -> list[str]:
    """Seal every recording under recordings_root left running; returns their ids."""
    recovered: list[str] = []
    for sealer in find_interrupted(recordings_root):
        ended = seal_leftovers(sealer)
        await sealer.finish(store.INTERRUPTED, key, ended_at=ended, tsa_url=tsa_url)
        logger.info("recording %s closed as interrupted", sealer.state["id"])
        recovered.append(sealer.state["id"])
    return recovered


def seal_leftovers(sealer: Sealer) -> float:
    """Seal or exclude the segments open at the crash; returns the last write time."""
    directory = sealer.directory
    state = sealer.state
    sealed = {s["file"] for s in state["segments"]}
    open_segments = dict(state["open_segments"])
    last_write = max(
        (p.stat().st_mtime for p in directory.iterdir() if SEGMENT_FILE.match(p.name)),
        default=state["updated_at"],
    )
    for track_id, seg in sorted(open_segments.items()):
        name = seg["file"]
        path = directory / name
        if name in sealed:
            continue
        if not path.is_file():
            sealer.exclude(name, "torn segment file missing")
            continue
        playable = probe_torn(path)
        if playable.frames == 0:
            sealer.exclude(name, f"torn and not playable: {playable.reason}")
            continue
        clock_rate = int(state["tracks"].get(track_id, {}).get("clock_rate", 90000))
        sealer.seal_segment(
            file=name,
            track_id=track_id,
            start=float(seg["start_wall"]),
            duration=playable.duration_ms / 1000,
            frames=playable.frames,
            first_ts=int(seg["first_ts"]),
            last_ts=int(seg["first_ts"]) + playable.duration_ms * clock_rate // 1000,
            clock_rate=clock_rate,
            torn=True,
        )
        sealed.add(name)
    # files opened but never described in state (killed between open and save)
    excluded = {e["file"] for e in state["excluded_segments"]}
    for path in sorted(directory.iterdir()):
        if SEGMENT_FILE.match(path.name) and path.name not in sealed | excluded:
            sealer.exclude(path.name, "not recorded in state before the crash")
    for track in state["tracks"].values():
        if track.get("left_at") is None:
            track["left_at"] = "interrupted"
    return float(last_write)
