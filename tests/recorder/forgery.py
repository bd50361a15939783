"""A careful forger's work, for tests: drop a segment from a sealed recording,
re-chain what is left and re-sign the manifest with a key of the forger's own.
The result is self-consistent; only the trusted key tells it apart."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from recorder.chain import ChainEntry, genesis
from recorder.manifest import MANIFEST_FILE, TIMESTAMP_FILE, write_signed


def drop_segment_and_resign(
    directory: Path, forger: Ed25519PrivateKey | None = None, index: int = 1
) -> str:
    """Remove segment `index` (file and manifest entry), renumber, re-chain and
    re-sign. Returns the dropped file's name."""
    manifest = json.loads((directory / MANIFEST_FILE).read_bytes())
    segments = manifest["segments"]
    dropped = segments.pop(index)
    (directory / dropped["file"]).unlink()
    algorithm = manifest["hash_algorithm"]
    head = genesis(algorithm, manifest["recording_id"])
    for seq, seg in enumerate(segments):
        seg["seq"] = seq
        entry = ChainEntry(seq, seg["hash"], float(seg["start"]), seg["duration"], seg["track"])
        head = seg["chain"] = entry.link(algorithm, head)
    manifest["chain_head"] = head
    (directory / TIMESTAMP_FILE).unlink(missing_ok=True)  # the forger has no TSA token
    write_signed(directory, manifest, forger or Ed25519PrivateKey.generate())
    return str(dropped["file"])


async def record_in(data_dir: Path, room: str, organisation: str, frames: int = 100) -> str:
    """A sealed recording of `frames` Opus frames (20 ms each) in 0.5 s segments,
    signed with the data dir's own key, as the hub makes them; returns its id."""
    from media.router import Router
    from recorder.manifest import Consent, Participant, RecordingMetadata
    from recorder.recording import RoomRecorder
    from recorder.settings import RecorderSettings
    from recorder.signing import load_or_create_signing_key
    from recorder.store import recordings_dir
    from tests.recorder.conftest import send_all
    from tests.recorder.media_samples import OPUS_CODEC, opus_frames

    router = Router()
    producer = router.create_direct_transport().produce(OPUS_CODEC, app_data={"participant": "p"})
    recorder = RoomRecorder(
        router,
        recordings_dir(data_dir),
        RecordingMetadata(
            case_id="",
            room=room,
            organisation=organisation,
            participants=[Participant("p", "张三", "party", "invitation-link")],
        ),
        [Consent("p", "2026-01-01T00:00:00Z", "party-page-checkbox")],
        load_or_create_signing_key(data_dir),
        RecorderSettings(segment_duration_s=0.5),
    )
    await recorder.start()
    await send_all(producer, opus_frames(frames))
    await recorder.wait_written()
    await recorder.stop()
    await router.close()
    return recorder.id
