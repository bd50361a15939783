"""RTSP ingest against a real RTSP server: Debian's GStreamer gst-rtsp-server."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import AsyncIterator

import psutil
import pytest

from media.camera_source import CameraState
from media.frames import H264
from media.router import Router
from media.rtsp_source import RtspOptions, RtspSource, redact_url
from media.transport import DirectTransport
from tests.media.camera_helpers import (
    StateLog,
    assert_keyframes_carry_parameter_sets,
    decode_h264,
    receive,
)
from tests.services import free_port
from tests.simulators.rtsp import RtspCamera


@pytest.fixture
async def transport() -> AsyncIterator[DirectTransport]:
    router = Router()
    yield router.create_direct_transport(app_data={"purpose": "cameras"})
    await router.close()


def fast(**kw: object) -> RtspOptions:
    options = RtspOptions(backoff_initial_s=0.2, backoff_max_s=1.0, open_timeout_s=4.0)
    for key, value in kw.items():
        setattr(options, key, value)
    return options


def connections_to(port: int) -> int:
    return sum(
        1
        for c in psutil.net_connections("tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


@pytest.mark.parametrize("rtsp_transport", ["tcp", "udp"])
async def test_h264_frames_start_with_parameter_sets_and_decode(
    transport: DirectTransport, rtsp_transport: str
) -> None:
    with RtspCamera(fps=25, gop=25) as camera:
        source = RtspSource(
            camera.url(), transport, options=fast(transport=rtsp_transport),
            app_data={"camera_id": "cam-1"},
        )  # fmt: skip
        log = StateLog(source)
        new_producer = asyncio.Event()
        source.observer.on("newproducer", lambda p: new_producer.set())
        watch = source.watch(app_data={"room": "r1"})
        await asyncio.wait_for(new_producer.wait(), 10)
        producer = watch.producer
        assert producer is not None and producer.codec.mime_type == H264
        assert producer.app_data["camera_id"] == "cam-1"
        assert producer.codec.parameters["packetization-mode"] == 1
        assert producer.codec.parameters["profile-level-id"] == "42c01e"  # constrained baseline
        consumer = transport.consume(producer)
        frames = await receive(consumer, 75)
        assert log.states()[:2] == [CameraState.CONNECTING, CameraState.ONLINE]
        assert_keyframes_carry_parameter_sets(frames)
        assert sum(f.keyframe for f in frames) >= 2  # GOP of 25 over 75 frames
        steps = [b.timestamp - a.timestamp for a, b in itertools.pairwise(frames)]
        assert sorted(steps)[len(steps) // 2] == 3600, "25 fps on a 90 kHz clock"
        pictures = decode_h264(frames)
        assert len(pictures) == 75
        assert (pictures[0].width, pictures[0].height) == (640, 360)
        watch.close()
        await log.wait_for(CameraState.IDLE)
        assert producer.closed and not source.pulling
        await source.close()
        assert source.state == CameraState.CLOSED


async def test_in_band_parameter_sets_are_not_doubled(transport: DirectTransport) -> None:
    with RtspCamera(inband_headers=True, gop=10) as camera:
        source = RtspSource(camera.url(), transport, options=fast())
        watch = source.watch()
        log = StateLog(source)
        await log.wait_for(CameraState.ONLINE)
        assert watch.producer is not None
        frames = await receive(transport.consume(watch.producer), 25)
        assert_keyframes_carry_parameter_sets(frames)
        assert len(decode_h264(frames)) == 25
        await source.close()


async def test_one_pull_for_many_watchers_and_stop_after_the_last(
    transport: DirectTransport,
) -> None:
    with RtspCamera() as camera:
        source = RtspSource(camera.url(), transport, options=fast())
        log = StateLog(source)
        watches = [source.watch(app_data={"viewer": i}) for i in range(3)]
        await log.wait_for(CameraState.ONLINE)
        producer = watches[0].producer
        assert producer is not None and all(w.producer is producer for w in watches)
        consumers = [transport.consume(producer) for _ in watches]
        batches = await asyncio.gather(*(receive(c, 10) for c in consumers))
        assert all(len(b) == 10 for b in batches)
        assert source.stats.sessions == 1
        assert connections_to(camera.port) == 1, "one RTSP connection for three watchers"
        watches[0].close()
        watches[1].close()
        await asyncio.sleep(0.3)  # nothing to wait for: the pull must simply go on
        assert source.pulling and source.state == CameraState.ONLINE
        watches[2].close()
        await log.wait_for(CameraState.IDLE)
        assert producer.closed and not source.pulling
        assert connections_to(camera.port) == 0, "the thread closed its connection"
        # a new first watcher pulls again, into a new producer
        again = source.watch()
        await log.wait_for(CameraState.ONLINE)
        assert again.producer is not None and again.producer is not producer
        await source.close()


@pytest.mark.parametrize("how", ["kill", "freeze"])
async def test_camera_lost_mid_stream_goes_offline_within_5_s_and_recovers(
    transport: DirectTransport, how: str
) -> None:
    camera = RtspCamera(gop=25).start()
    try:
        source = RtspSource(camera.url(), transport, options=fast())
        log = StateLog(source)
        watch = source.watch()
        await log.wait_for(CameraState.ONLINE)
        assert watch.producer is not None
        consumer = transport.consume(watch.producer)
        before = await receive(consumer, 20)
        lost_at = time.monotonic()
        camera.kill() if how == "kill" else camera.freeze()
        change = await log.wait_for(CameraState.OFFLINE, limit=10)
        took = log.when(CameraState.OFFLINE, after=lost_at) - lost_at
        assert took < 5.0, f"offline after {took:.2f} s ({change.detail})"
        assert "离线" in change.message and "offline" in change.message
        while consumer.queued:  # what arrived before the loss
            await consumer.recv_frame()
        camera.restart() if how == "kill" else camera.thaw()
        back_from = time.monotonic()
        await log.wait_for(CameraState.ONLINE, limit=15)
        assert time.monotonic() - back_from < 10
        assert watch.producer is consumer._producer, "same producer across the reconnect"
        after = await receive(consumer, 30)
        assert after[0].keyframe, "nothing forwarded after a reconnect until a keyframe"
        assert_keyframes_carry_parameter_sets(after)
        stamps = [f.timestamp for f in before + after]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
        assert len(decode_h264(after)) == 30
        await source.close()
    finally:
        camera.stop()


@pytest.mark.parametrize("auth", ["basic", "digest"])
async def test_auth_right_password_plays_wrong_password_stops(
    transport: DirectTransport, auth: str
) -> None:
    with RtspCamera(auth=auth, user="admin", password="pa55-秘密") as camera:
        good = RtspSource(camera.url(), transport, options=fast())
        good_log = StateLog(good)
        good.watch()
        await good_log.wait_for(CameraState.ONLINE)
        await good.close()

        bad = RtspSource(camera.url(password="wrong"), transport, options=fast())
        log = StateLog(bad)
        bad.watch()
        change = await log.wait_for(CameraState.AUTH_FAILED, limit=10)
        assert "401" in change.detail and "密码" in change.message
        assert "wrong" not in change.message
        # not retried by itself: cameras lock accounts after repeated failures
        await asyncio.sleep(1.5)  # longer than the back-off: a retry would have happened
        assert bad.stats.sessions == 1 and not bad.pulling
        assert bad.state == CameraState.AUTH_FAILED
        for none in (camera.url(user="", password=""),):
            anonymous = RtspSource(none.replace(":@", "@"), transport, options=fast())
            anon_log = StateLog(anonymous)
            anonymous.watch()
            await anon_log.wait_for(CameraState.AUTH_FAILED, limit=10)
            await anonymous.close()
        await bad.close()


@pytest.mark.parametrize("codec", ["h265", "mjpeg"])
async def test_other_codecs_end_in_unsupported_codec(
    transport: DirectTransport, codec: str
) -> None:
    with RtspCamera(codec=codec) as camera:
        source = RtspSource(camera.url(), transport, options=fast())
        log = StateLog(source)
        source.watch()
        change = await log.wait_for(CameraState.UNSUPPORTED_CODEC, limit=10)
        assert ("hevc" if codec == "h265" else "mjpeg") in change.detail
        assert source.producer is None and not source.pulling
        await source.close()


async def test_not_found_bad_url_and_unreachable_are_told_apart(
    transport: DirectTransport,
) -> None:
    with RtspCamera() as camera:
        cases = {
            f"rtsp://127.0.0.1:{camera.port}/no-such-stream": CameraState.NOT_FOUND,
            "http://127.0.0.1/cam": CameraState.BAD_URL,
            "file:///etc/passwd": CameraState.BAD_URL,
            "rtsp://127.0.0.1:99999/cam": CameraState.BAD_URL,
            "rtsp:///cam": CameraState.BAD_URL,
            f"rtsp://127.0.0.1:{free_port()}/cam": CameraState.UNREACHABLE,
            "rtsp://no-such-host.invalid/cam": CameraState.UNREACHABLE,
        }
        for url, expected in cases.items():
            source = RtspSource(url, transport, options=fast())
            log = StateLog(source)
            source.watch()
            change = await log.wait_for(expected, limit=10)
            assert change.detail, url
            if expected == CameraState.UNREACHABLE:
                assert source.pulling, "an unreachable camera is retried"
            else:
                assert not source.pulling, url
            await source.close()


async def test_a_server_that_never_answers_never_hangs(transport: DirectTransport) -> None:
    """A TCP peer that accepts and says nothing: open times out; retried with back-off."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        source = RtspSource(
            f"rtsp://127.0.0.1:{port}/cam", transport, options=fast(open_timeout_s=1.0)
        )
        log = StateLog(source)
        started = time.monotonic()
        source.watch()
        change = await log.wait_for(CameraState.UNREACHABLE, limit=10)
        assert time.monotonic() - started < 5, change.detail
        assert source.pulling
        closing = time.monotonic()
        await source.close()
        assert time.monotonic() - closing < 5


def test_passwords_are_redacted() -> None:
    assert redact_url("rtsp://admin:pw@10.0.0.1:554/x") == "rtsp://admin:***@10.0.0.1:554/x"
    assert redact_url("rtsp://10.0.0.1/x") == "rtsp://10.0.0.1/x"


async def test_transport_close_closes_the_source() -> None:
    router = Router()
    transport = router.create_direct_transport()
    with RtspCamera() as camera:
        source = RtspSource(camera.url(), transport, options=fast())
        log = StateLog(source)
        source.watch()
        await log.wait_for(CameraState.ONLINE)
        closed = asyncio.Event()
        source.observer.on("close", closed.set)
        await router.close()
        await asyncio.wait_for(closed.wait(), 10)
        assert source.closed and source.producer is None


async def test_linger_keeps_the_pull_for_a_returning_watcher(transport: DirectTransport) -> None:
    with RtspCamera() as camera:
        source = RtspSource(camera.url(), transport, options=fast(linger_s=1.0))
        log = StateLog(source)
        first = source.watch()
        await log.wait_for(CameraState.ONLINE)
        producer = first.producer
        first.close()
        assert source.pulling, "still pulling during the linger"
        second = source.watch()  # a wall tour coming back to this camera
        assert second.producer is producer and source.stats.sessions == 1
        second.close()
        await log.wait_for(CameraState.IDLE, limit=5)
        assert producer is not None and producer.closed
        await source.close()


async def test_retry_after_the_password_is_corrected(transport: DirectTransport) -> None:
    with RtspCamera(auth="digest") as camera:
        source = RtspSource(camera.url(password="wrong"), transport, options=fast())
        log = StateLog(source)
        source.watch()
        await log.wait_for(CameraState.AUTH_FAILED)
        source.url = camera.url()  # phase 2: the registry's corrected credentials
        source.retry()
        await log.wait_for(CameraState.ONLINE)
        await source.close()
