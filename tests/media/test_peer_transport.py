"""Untrusted SDP at the publish/subscribe edge."""

from __future__ import annotations

import asyncio

import pytest
from aiortc import RTCPeerConnection

from media.errors import InvalidSdpError, InvalidStateError, UnsupportedCodecError
from media.frames import OPUS, MediaCodec
from media.router import Router
from media.transport import RouterOptions
from tests.media.fixtures import PacketTrack, encoded_video, video_session


@pytest.mark.parametrize(
    "sdp",
    ["", "garbage", "v=0\r\n" * 3, 12, None, "v=0\r\no=- 1 1 IN IP4 0\r\n" + "a=x\r\n" * 9000],
)
async def test_unparseable_offers_are_refused_without_harm(sdp: object) -> None:
    router = Router()
    transport = router.create_peer_transport()
    with pytest.raises(InvalidSdpError):
        await transport.publish(sdp)  # type: ignore[arg-type]
    assert not transport.closed and transport.producers == []
    await router.close()


async def test_offer_without_a_forwardable_codec_is_refused() -> None:
    pc = RTCPeerConnection()
    pc.addTransceiver(PacketTrack("video", encoded_video("libvpx")), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp.replace("VP8/90000", "VP9/90000").replace(
        "H264/90000", "AV1/90000"
    )
    router = Router()
    transport = router.create_peer_transport()
    with pytest.raises((UnsupportedCodecError, InvalidSdpError)):
        await transport.publish(sdp)
    assert transport.producers == []
    await pc.close()
    await router.close()


async def test_answer_without_offer_is_invalid_state() -> None:
    router = Router()
    transport = router.create_peer_transport()
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    with pytest.raises(InvalidStateError):
        await transport.subscribe_answer(pc.localDescription.sdp)
    await pc.close()
    await router.close()


async def test_an_offer_never_answered_closes_the_transport_after_the_timeout() -> None:
    router = Router(RouterOptions(connect_timeout_s=0.5))
    source = router.create_direct_transport().produce(MediaCodec(OPUS, 48000, 2))
    transport = router.create_peer_transport()
    timed_out: list[list[str]] = []
    transport.events.on("connecttimeout", timed_out.append)
    closed = asyncio.Event()
    transport.observer.on("close", closed.set)
    transport.consume(source)
    assert await transport.subscribe_offer()  # the client went away before answering
    await asyncio.wait_for(closed.wait(), 5)
    assert timed_out == [["subscribe"]]
    assert transport.closed and transport not in router.transports
    await router.close()


async def test_a_connected_transport_outlives_the_timeout() -> None:
    async with video_session(RouterOptions(connect_timeout_s=0.5)) as session:
        await session.subscriber.first_frame(session.mid)
        await asyncio.sleep(1.0)  # twice the timeout: nothing may close
        assert not session.transport.closed
        assert not session.router.transports[0].closed
