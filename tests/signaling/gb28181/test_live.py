"""Live video from a SIPp device: INVITE, FFmpeg's PS over RTP (UDP, TCP), BYE."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from media.camera_source import CameraState
from media.ps_rtp_source import PsRtpOptions
from media.router import Router
from media.transport import DirectTransport
from signaling.gb28181.live import LiveDialogs
from signaling.gb28181.platform import GbPlatform
from tests.media.camera_helpers import (
    StateLog,
    assert_keyframes_carry_parameter_sets,
    decode_h264,
    receive,
)
from tests.signaling.gb28181.conftest import DEVICE, Events
from tests.simulators.sipp import Channel, DeviceScenario, SippDevice

CHANNEL = "34020000001320000002"


@pytest.fixture
async def transport() -> AsyncIterator[DirectTransport]:
    router = Router()
    yield router.create_direct_transport()
    await router.close()


@pytest.fixture
def devices() -> Iterator[list[SippDevice]]:
    started: list[SippDevice] = []
    yield started
    for device in started:
        device.kill()


async def registered(platform: GbPlatform, events: Events, devices: list[SippDevice],
                     workdir: Path, sip: str, **kw: object) -> SippDevice:  # fmt: skip
    scenario = DeviceScenario(
        channels=[Channel(CHANNEL, "小区东门")],
        keepalives=200,
        keepalive_ms=300,
        **kw,  # type: ignore[arg-type]
    )
    device = SippDevice(scenario, platform.port, workdir, transport=sip).start()
    devices.append(device)
    await events.wait("catalog")
    return device


def options(media: str, **kw: object) -> PsRtpOptions:
    opts = PsRtpOptions(transport=media, stall_timeout_s=1.5, backoff_initial_s=0.2,
                        backoff_max_s=0.5)  # fmt: skip
    for key, value in kw.items():
        setattr(opts, key, value)
    return opts


@pytest.mark.parametrize(("sip", "media"), [("udp", "udp"), ("tcp", "tcp"), ("udp", "tcp")])
async def test_live_video_and_bye_when_the_last_watcher_leaves(
    platform: GbPlatform, events: Events, devices: list[SippDevice], tmp_path: Path,
    transport: DirectTransport, sip: str, media: str,
) -> None:  # fmt: skip
    device = await registered(platform, events, devices, tmp_path, sip, frames=400)
    dialogs = LiveDialogs(platform)
    source = dialogs.source(DEVICE, CHANNEL, transport, options=options(media),
                            app_data={"camera_id": "cam-7"})  # fmt: skip
    assert dialogs.source(DEVICE, CHANNEL, transport) is source, "one source per channel"
    log = StateLog(source)
    first, second = source.watch(), source.watch()
    await log.wait_for(CameraState.ONLINE)
    (session,) = await events.wait("session")
    assert session.channel_id == CHANNEL and session.transport == media
    assert first.producer is not None and first.producer is second.producer
    assert first.producer.app_data["gb_channel_id"] == CHANNEL
    assert first.producer.app_data["camera_id"] == "cam-7"
    frames = await receive(transport.consume(first.producer), 60)
    assert_keyframes_carry_parameter_sets(frames)
    assert {b.timestamp - a.timestamp for a, b in itertools.pairwise(frames)} == {3600}
    assert len(decode_h264(frames)) == 60
    text = device.log()
    assert text.count("INVITE port=") == 1, "two watchers, one INVITE"
    assert f"proto={'TCP/RTP/AVP' if media == 'tcp' else 'RTP/AVP'}" in text
    assert f"ssrc={session.ssrc:010d}" in text
    first.close()
    await asyncio.sleep(0.3)  # nothing to wait for: the other watcher keeps it going
    assert "BYE" not in device.log() and source.state == CameraState.ONLINE
    second.close()
    await log.wait_for(CameraState.IDLE)
    await events.wait("sessionend")
    assert not platform.registry.sessions
    await asyncio.to_thread(device.wait_log, f"BYE {session.ssrc:010d}")
    await source.close()


async def test_reinvite_after_the_stream_is_lost(
    platform: GbPlatform, events: Events, devices: list[SippDevice], tmp_path: Path,
    transport: DirectTransport,
) -> None:  # fmt: skip
    # the device's sender stops after 50 frames: the stream stalls, we BYE and INVITE again
    device = await registered(platform, events, devices, tmp_path, "udp", frames=50)
    source = LiveDialogs(platform).source(DEVICE, CHANNEL, transport, options=options("udp"))
    log = StateLog(source)
    watch = source.watch()
    await log.wait_for(CameraState.ONLINE)
    assert watch.producer is not None
    consumer = transport.consume(watch.producer)
    before = await receive(consumer, 40)
    await log.wait_for(CameraState.OFFLINE)
    while consumer.queued:  # what arrived before the loss
        before.append(await consumer.recv_frame())
    await log.wait_for(CameraState.ONLINE, limit=20)
    after = await receive(consumer, 10)
    assert after[0].keyframe and after[0].timestamp > before[-1].timestamp
    text = await asyncio.to_thread(device.wait_log, "INVITE port=", 15, 2)
    assert text.count("BYE ") >= 1
    await source.close()
    await asyncio.to_thread(device.wait_log, "BYE ", 15, 2)


async def test_a_device_bye_ends_the_session_and_we_invite_again(
    platform: GbPlatform, events: Events, devices: list[SippDevice], tmp_path: Path,
    transport: DirectTransport,
) -> None:  # fmt: skip
    device = await registered(platform, events, devices, tmp_path, "udp", device_bye_after_ms=2500)
    source = LiveDialogs(platform).source(DEVICE, CHANNEL, transport, options=options("udp"))
    log = StateLog(source)
    source.watch()
    await log.wait_for(CameraState.ONLINE)
    change = await log.wait_for(CameraState.OFFLINE)
    assert "BYE" in change.detail, "ended by the device's BYE, not by the stall check"
    await events.wait("sessionend")
    await log.wait_for(CameraState.ONLINE)
    text = await asyncio.to_thread(device.wait_log, "INVITE port=", 15, 2)
    assert "DEVICE BYE" in text
    await source.close()


async def test_refused_invite_ends_in_not_found(
    platform: GbPlatform, events: Events, devices: list[SippDevice], tmp_path: Path,
    transport: DirectTransport,
) -> None:  # fmt: skip
    await registered(platform, events, devices, tmp_path, "udp", invite_status="404 Not Found")
    source = LiveDialogs(platform).source(DEVICE, CHANNEL, transport, options=options("udp"))
    log = StateLog(source)
    source.watch()
    change = await log.wait_for(CameraState.NOT_FOUND)
    assert "404" in change.detail and not source.pulling and not platform.registry.sessions
    await source.close()


async def test_a_device_that_is_not_registered_is_unreachable(
    platform: GbPlatform, transport: DirectTransport
) -> None:
    source = LiveDialogs(platform).source(DEVICE, CHANNEL, transport, options=options("udp"))
    log = StateLog(source)
    source.watch()
    change = await log.wait_for(CameraState.UNREACHABLE)
    assert "not online" in change.detail
    await source.close()
