from __future__ import annotations

import json

import pytest

from media.router import Router
from recorder.recording import ConsentMissing, RoomRecorder
from recorder.segment_writer import TS_AUD
from recorder.store import COMPLETED, read_state
from recorder.verify import verify
from tests.recorder.conftest import consent, metadata, record, send_all
from tests.recorder.media_samples import (
    H264_CODEC,
    OPUS_CODEC,
    VP8_CODEC,
    demux,
    opus_frames,
    video_frames,
)


def track_payloads(directory, manifest, track):
    out = []
    for seg in manifest["segments"]:
        if seg["track"] == track:
            out.extend(demux(str(directory / seg["file"])))
    return out


async def test_every_producer_is_recorded_byte_identical_and_sealed(tmp_path, key, recorder_config):
    vp8, h264, opus = video_frames(VP8_CODEC, 60), video_frames(H264_CODEC, 60), opus_frames(100)
    rec, _ = await record(
        tmp_path, key, recorder_config, [(VP8_CODEC, vp8), (H264_CODEC, h264), (OPUS_CODEC, opus)]
    )
    manifest = json.loads((rec.directory / "manifest.json").read_bytes())
    assert manifest["state"] == COMPLETED
    assert manifest["case"]["id"] == "2026-调-0042"
    assert manifest["consents"][0]["participant_id"] == "a"
    assert manifest["participants"][0]["identified_by"] == "invite-link+sms"
    assert set(manifest["tracks"]) == {"t01", "t02", "t03"}
    assert track_payloads(rec.directory, manifest, "t01") == [f.data for f in vp8]
    assert track_payloads(rec.directory, manifest, "t02") == [TS_AUD + f.data for f in h264]
    assert track_payloads(rec.directory, manifest, "t03") == [f.data for f in opus]
    assert [s["seq"] for s in manifest["segments"]] == list(range(len(manifest["segments"])))
    assert manifest["chain_head"] == manifest["segments"][-1]["chain"]
    report = verify(rec.directory)
    assert report.ok, report.text()


async def test_start_refuses_without_every_participants_consent(tmp_path, key, recorder_config):
    router = Router()
    rec = RoomRecorder(router, tmp_path, metadata("a", "b"), [consent("a")], key, recorder_config)
    with pytest.raises(ConsentMissing, match="b"):
        await rec.start()
    assert not rec.directory.exists()
    rec.add_consent(consent("b"))
    await rec.start()
    await rec.stop()
    assert [
        c["participant_id"]
        for c in json.loads((rec.directory / "manifest.json").read_bytes())["consents"]
    ] == ["a", "b"]


async def test_producers_joining_and_leaving_get_their_own_tracks(tmp_path, key, recorder_config):
    router = Router()
    transport = router.create_direct_transport()
    first = transport.produce(OPUS_CODEC, app_data={"participant": "a"})
    rec = RoomRecorder(router, tmp_path, metadata("a"), [consent("a")], key, recorder_config)
    await rec.start()
    frames = opus_frames(60)
    await send_all(first, frames[:30])
    await rec.wait_written()
    first.close()  # leaves
    second = transport.produce(OPUS_CODEC, app_data={"participant": "a"})  # rejoins
    late = transport.produce(VP8_CODEC, app_data={"participant": "a", "source": "camera"})
    await send_all(second, frames[30:])
    await send_all(late, video_frames(VP8_CODEC, 30))
    await rec.wait_written()
    await rec.stop()
    state = read_state(rec.directory)
    tracks = state["tracks"]
    assert [tracks[t]["producer_id"] for t in ("t01", "t02", "t03")] == [
        first.id,
        second.id,
        late.id,
    ]
    assert tracks["t01"]["left_at"] is not None
    assert tracks["t03"]["app_data"]["source"] == "camera"
    manifest = json.loads((rec.directory / "manifest.json").read_bytes())
    assert track_payloads(rec.directory, manifest, "t01") == [f.data for f in frames[:30]]
    assert track_payloads(rec.directory, manifest, "t02") == [f.data for f in frames[30:]]
    assert len(track_payloads(rec.directory, manifest, "t03")) == 30
    # every segment maps its media time to wall-clock time
    for seg in manifest["segments"]:
        assert seg["start"] > 0 and seg["clock_rate"] in (48000, 90000)
        assert seg["last_ts"] >= seg["first_ts"]


async def test_producer_without_consent_is_not_recorded_until_consent(
    tmp_path, key, recorder_config
):
    router = Router()
    transport = router.create_direct_transport()
    rec = RoomRecorder(router, tmp_path, metadata("a"), [consent("a")], key, recorder_config)
    await rec.start()
    stranger = transport.produce(OPUS_CODEC, app_data={"participant": "c"})
    frames = opus_frames(40)
    await send_all(stranger, frames[:20])
    assert rec.tracks == {}
    rec.add_consent(consent("c"))
    await send_all(stranger, frames[20:])
    await rec.wait_written()
    await rec.stop()
    manifest = json.loads((rec.directory / "manifest.json").read_bytes())
    assert manifest["skipped_producers"][0]["participant_id"] == "c"
    assert track_payloads(rec.directory, manifest, "t01") == [f.data for f in frames[20:]]


async def test_sm3_chain_when_openssl_provides_it(tmp_path, key):
    import hashlib

    from recorder.chain import HashUnavailable
    from recorder.settings import RecorderSettings

    config = RecorderSettings(segment_duration_s=0.5, hash_algorithm="sm3")
    if "sm3" not in hashlib.algorithms_available:
        with pytest.raises(HashUnavailable, match="sm3"):
            RoomRecorder(Router(), tmp_path, metadata("a"), [consent("a")], key, config)
        return
    rec, _ = await record(tmp_path, key, config, [(OPUS_CODEC, opus_frames(60))])
    manifest = json.loads((rec.directory / "manifest.json").read_bytes())
    assert manifest["hash_algorithm"] == "sm3"
    seg = manifest["segments"][0]
    sm3 = hashlib.new("sm3", (rec.directory / seg["file"]).read_bytes()).hexdigest()
    assert seg["hash"] == sm3
    assert verify(rec.directory).ok


async def test_recording_is_sealed_when_the_room_closes_without_stop(
    tmp_path, key, recorder_config
):
    router = Router()
    producer = router.create_direct_transport().produce(OPUS_CODEC, app_data={"participant": "a"})
    rec = RoomRecorder(router, tmp_path, metadata("a"), [consent("a")], key, recorder_config)
    await rec.start()
    frames = opus_frames(40)
    await send_all(producer, frames)
    await rec.wait_written()
    await router.close()
    await rec.wait_stopped()
    manifest = json.loads((rec.directory / "manifest.json").read_bytes())
    assert manifest["state"] == COMPLETED
    assert track_payloads(rec.directory, manifest, "t01") == [f.data for f in frames]
    assert verify(rec.directory).ok


async def test_frames_queued_when_a_producer_leaves_are_still_recorded(
    tmp_path, key, recorder_config
):
    """A participant hangs up while the recorder is behind: what reached the hub
    before the hang-up is evidence too."""
    router = Router()
    transport = router.create_direct_transport()
    producer = transport.produce(OPUS_CODEC, app_data={"participant": "a"})
    rec = RoomRecorder(router, tmp_path, metadata("a"), [consent("a")], key, recorder_config)
    await rec.start()
    frames = opus_frames(40)
    for frame in frames:  # no yield to the loop: all of them wait in the recorder's queue
        producer.send(frame)
    producer.close()
    await rec.stop()
    manifest = json.loads((rec.directory / "manifest.json").read_bytes())
    assert track_payloads(rec.directory, manifest, "t01") == [f.data for f in frames]
    assert manifest["tracks"]["t01"]["frames_recorded"] == 40
