"""Recorder fixtures: a signing key, metadata with consent, a router with a publisher."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from media.frames import EncodedFrame
from media.producer import Producer
from media.router import Router
from recorder.manifest import Consent, Participant, RecordingMetadata
from recorder.recording import RoomRecorder
from recorder.settings import RecorderSettings
from recorder.signing import load_or_create_signing_key


def metadata(*participant_ids: str) -> RecordingMetadata:
    return RecordingMetadata(
        case_id="2026-调-0042",
        room="room-1",
        organisation="城关镇人民调解委员会",
        case_title="邻里纠纷",
        participants=[
            Participant(pid, f"当事人{pid}", "party", "invite-link+sms") for pid in participant_ids
        ],
    )


def consent(pid: str) -> Consent:
    return Consent(pid, "2026-11-22T10:00:00+00:00", "party-page-checkbox", "ab" * 32)


@pytest.fixture
def key(tmp_path: Path) -> Ed25519PrivateKey:
    return load_or_create_signing_key(tmp_path / "data")


@pytest.fixture
def recorder_config() -> RecorderSettings:
    return RecorderSettings(segment_duration_s=0.5)


async def send_all(producer: Producer, frames: list[EncodedFrame]) -> None:
    """Feed frames, letting the loop run between them as a network would."""
    for frame in frames:
        producer.send(frame)
        await asyncio.sleep(0)


async def record(
    tmp_path: Path,
    key: Ed25519PrivateKey,
    config: RecorderSettings,
    feeds: list[tuple[object, list[EncodedFrame]]],
) -> tuple[RoomRecorder, list[Producer]]:
    """Start a recorder on a router, publish each (codec, frames), stop; the recorder."""
    router = Router()
    transport = router.create_direct_transport()
    rec = RoomRecorder(router, tmp_path / "recordings", metadata("a"), [consent("a")], key, config)
    await rec.start()
    producers = []
    for codec, frames in feeds:
        producer = transport.produce(codec, app_data={"participant": "a"})  # type: ignore[arg-type]
        producers.append(producer)
        await send_all(producer, frames)
    await rec.wait_written()
    await rec.stop()
    await router.close()
    return rec, producers


# recorder/retention.py is tested against a running hub (tests/recorder/test_retention.py)
from tests.signaling.conftest import town  # noqa: E402, F401
