"""Seal closed segments into a recording's chain and state; write its signed manifest.

Used by the live RoomRecorder and by crash recovery alike, so a recording sealed
after a crash is sealed exactly as one that ended normally.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from recorder import manifest as manifest_mod
from recorder import signing, store, timestamp
from recorder.chain import Chain, ChainEntry, genesis, hash_file

logger = logging.getLogger(__name__)


def software_version() -> str:
    try:
        return f"mediation-hub {importlib_metadata.version('mediation-hub')}"
    except importlib_metadata.PackageNotFoundError:
        return "mediation-hub (unknown version)"


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


class Sealer:
    """Owns a recording's state.json and chain."""

    def __init__(self, directory: Path, state: dict[str, Any]) -> None:
        self.directory = directory
        self.state = state
        self.chain = Chain(state["hash_algorithm"], state["id"], state.get("chain_head"))

    @classmethod
    def create(
        cls, directory: Path, recording_id: str, algorithm: str, fields: dict[str, Any]
    ) -> Sealer:
        now = time.time()
        state: dict[str, Any] = {
            "id": recording_id,
            "state": store.RECORDING,
            "hash_algorithm": algorithm,
            "chain_genesis": genesis(algorithm, recording_id),
            "started_at": now,
            "updated_at": now,
            "segments": [],
            "excluded_segments": [],
            "open_segments": {},
            "tracks": {},
            **fields,
        }
        state["chain_head"] = state["chain_genesis"]
        sealer = cls(directory, state)
        sealer.save()
        return sealer

    def save(self) -> None:
        self.state["updated_at"] = time.time()
        store.write_state(self.directory, self.state)

    def segment_opened(self, track_id: str, description: dict[str, Any]) -> None:
        self.state["open_segments"][track_id] = description
        self.save()

    def seal_segment(
        self,
        *,
        file: str,
        track_id: str,
        start: float,
        duration: float,
        frames: int,
        first_ts: int,
        last_ts: int,
        clock_rate: int,
        torn: bool = False,
        sender_clock: tuple[int, float] | None = None,
    ) -> dict[str, Any]:
        """Hash a closed segment file and extend the chain with it."""
        algorithm = self.chain.algorithm
        seq = len(self.state["segments"])
        digest = hash_file(algorithm, self.directory / file)
        entry = ChainEntry(seq, digest, start, duration, track_id)
        record: dict[str, Any] = {
            "seq": seq,
            "file": file,
            "track": track_id,
            "hash": digest,
            "start": start,
            "start_iso": iso(start),
            "duration": duration,
            "frames": frames,
            # media timestamps (codec clock) of the first and last frame: with
            # `start` they map this track's media time to wall-clock time
            "first_ts": first_ts,
            "last_ts": last_ts,
            "clock_rate": clock_rate,
            # the sender's own clock (RTCP sender report): [media timestamp, Unix s],
            # shared by a sender's audio and video; see recorder/timing.py
            "sender_clock": list(sender_clock) if sender_clock else None,
            "chain": self.chain.extend(entry),
        }
        if torn:
            record["torn"] = True
        self.state["segments"].append(record)
        self.state["chain_head"] = self.chain.head
        open_segment = self.state["open_segments"].get(track_id)
        if open_segment and open_segment.get("file") == file:
            del self.state["open_segments"][track_id]
        self.save()
        return record

    def exclude(self, file: str, reason: str) -> None:
        self.state["excluded_segments"].append({"file": file, "reason": reason})
        self.save()

    def manifest(self, final_state: str, ended_at: float, key: Ed25519PrivateKey) -> dict[str, Any]:
        s = self.state
        meta = s.get("metadata", {})
        return {
            "manifest_version": manifest_mod.MANIFEST_VERSION,
            "recording_id": s["id"],
            "state": final_state,
            "case": {"id": meta.get("case_id", ""), "title": meta.get("case_title", "")},
            "room": meta.get("room", ""),
            "organisation": meta.get("organisation", ""),
            "started_by": meta.get("started_by", ""),
            "participants": meta.get("participants", []),
            "consents": s.get("consents", []),
            "tracks": s.get("tracks", {}),
            "skipped_producers": s.get("skipped_producers", []),
            "segments": s["segments"],
            "excluded_segments": s["excluded_segments"],
            "hash_algorithm": s["hash_algorithm"],
            "chain_genesis": s["chain_genesis"],
            "chain_head": s["chain_head"],
            "started_at": iso(s["started_at"]),
            "ended_at": iso(ended_at),
            "software": software_version(),
            "signing_key_sha256": signing.fingerprint(key.public_key()),
            # camera evidence (snapshots, clips: recorder.camera_capture) says what it is
            **({"evidence": s["evidence"]} if "evidence" in s else {}),
        }

    async def finish(
        self,
        final_state: str,
        key: Ed25519PrivateKey,
        *,
        ended_at: float | None = None,
        tsa_url: str | None = None,
    ) -> bytes:
        """Write the signed manifest (and the TSA token); mark the recording final."""
        ended = time.time() if ended_at is None else ended_at
        self.state["open_segments"] = {}
        self.state["ended_at"] = ended
        self.save()
        body = manifest_mod.write_signed(
            self.directory, self.manifest(final_state, ended, key), key
        )
        if tsa_url:
            try:
                token = await timestamp.request_token(tsa_url, body)
            except Exception as exc:  # recorded, never loses the recording
                logger.warning("recording %s: timestamp failed: %s", self.state["id"], exc)
                self.state["timestamp_error"] = str(exc)
            else:
                manifest_mod._write_synced(self.directory / manifest_mod.TIMESTAMP_FILE, token)
        self.state["state"] = final_state
        self.save()
        return body
