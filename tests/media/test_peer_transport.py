"""Untrusted SDP at the publish/subscribe edge."""

from __future__ import annotations

import pytest
from aiortc import RTCPeerConnection

from media.errors import InvalidSdpError, InvalidStateError, UnsupportedCodecError
from media.router import Router
from tests.media.fixtures import PacketTrack, encoded_video


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
