"""Fails loudly if an aiortc/aioice upgrade moves the internals media/ relies on."""

import asyncio
import os

import aioice.ice
import aiortc
import pytest
from aiortc import RTCPeerConnection, RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from media import _aiortc_taps as taps
from media import _srtp
from media._aioice_taps import set_host_addresses


async def test_pinned_aiortc_still_has_every_internal_we_use() -> None:
    await taps.check()


def test_aiortc_version_is_the_pinned_one() -> None:
    # pyproject pins aiortc exactly; bumping it means re-running this suite.
    assert aiortc.__version__ == "1.16.0"


def test_host_addresses_include_configured_loopback() -> None:
    set_host_addresses(["127.0.0.1"], discover=False)
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
    assert aioice.ice.get_host_addresses(use_ipv4=False, use_ipv6=True) == []


def test_pinned_pylibsrtp_still_has_the_session_internals_we_use() -> None:
    _srtp.check()


def test_a_replayed_or_oversized_packet_is_dropped_not_raised() -> None:
    import pylibsrtp

    key, policy = bytes(range(30)), pylibsrtp.Policy
    protect = _srtp.protector(
        pylibsrtp.Session(policy(key=key, ssrc_type=policy.SSRC_ANY_OUTBOUND))
    )
    unprotect = _srtp.unprotector(
        pylibsrtp.Session(policy(key=key, ssrc_type=policy.SSRC_ANY_INBOUND))
    )
    packet = b"\x80\x60\x00\x07" + b"\x00" * 8 + b"x" * 100
    protected = protect(packet)
    assert protected is not None and unprotect(protected) == packet
    assert unprotect(protected) is None  # replayed
    assert unprotect(protected[:-1] + bytes([protected[-1] ^ 1])) is None  # forged
    assert protect(b"\x80\x60\x00\x08" + b"\x00" * 8 + b"x" * 1500) is None  # too long


def test_pylibsrtp_version_is_the_pinned_one() -> None:
    from importlib.metadata import version

    assert version("pylibsrtp") == "1.0.0"  # media/_srtp.py uses its session internals


async def test_the_srtp_writer_sends_on_the_pairs_socket_and_lets_it_go_on_close() -> None:
    import asyncio

    offerer, answerer = aiortc.RTCPeerConnection(), aiortc.RTCPeerConnection()
    try:
        both = [asyncio.Event(), asyncio.Event()]
        for pc, event in zip((offerer, answerer), both, strict=True):
            pc.on(
                "connectionstatechange",
                lambda pc=pc, event=event: pc.connectionState == "connected" and event.set(),
            )
        offerer.addTransceiver("video", direction="sendonly")
        await offerer.setLocalDescription(await offerer.createOffer())
        await answerer.setRemoteDescription(offerer.localDescription)
        await answerer.setLocalDescription(await answerer.createAnswer())
        await offerer.setRemoteDescription(answerer.localDescription)
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in both)), 10)
        dtls = offerer.getTransceivers()[0].sender.transport
        far = answerer.getTransceivers()[0].receiver.transport
        arrived: asyncio.Queue[bytes] = asyncio.Queue()
        handle_rtp_data = far._handle_rtp_data

        async def counted(data: bytes, arrival_time_ms: int) -> None:
            arrived.put_nowait(data)
            await handle_rtp_data(data, arrival_time_ms)

        far._handle_rtp_data = counted
        write, _ = taps.srtp_writers(dtls)
        for seq in range(5):
            write(b"\x80\x60" + seq.to_bytes(2, "big") + b"\x00" * 8 + b"payload")
        for _ in range(5):
            await asyncio.wait_for(arrived.get(), 5)
        (pair_socket,) = dtls._hub_pair_socket
        assert pair_socket is not None and pair_socket._sock is not None
        fd = pair_socket._sock.fileno()
        await offerer.close()
        assert pair_socket._sock is None
        with pytest.raises(OSError):
            os.fstat(fd)  # (our duplicate is closed, not leaked)
        write(b"\x80\x60\x00\x09" + b"\x00" * 8 + b"late")  # after close: dropped quietly
    finally:
        await offerer.close()
        await answerer.close()


async def test_a_video_receiver_tapped_again_still_asks_for_lost_packets() -> None:
    """A transport-cc publisher's receiver lets aiortc's bandwidth estimator go;
    tapped again (a re-used m-line), it is still video and still sends NACKs."""
    pc = RTCPeerConnection()
    try:
        receiver = pc.addTransceiver("video", direction="recvonly").receiver
        codecs = receiver._RTCRtpReceiver__codecs
        codecs[96] = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)
        asked: list[tuple[int, list[int]]] = []
        sent = asyncio.Event()

        async def send_rtcp_nack(ssrc: int, lost: list[int]) -> None:  # (aiortc's RTCP out)
            asked.append((ssrc, lost))
            sent.set()

        receiver._send_rtcp_nack = send_rtcp_nack  # type: ignore[method-assign]
        for _ in range(2):
            taps.tap_receiver_packets(receiver, lambda p, m, r: None, lambda seq, ssrc: None)
        handle = getattr(receiver, taps.SYNC_RTP_HANDLER)
        for seq in (1, 2, 5):
            packet = RtpPacket(payload_type=96, sequence_number=seq, timestamp=3000 * seq, ssrc=9)
            packet.payload = b"\x10" + bytes(100)
            handle(packet, None)
        await asyncio.wait_for(sent.wait(), 5)
        assert asked == [(9, [3, 4])]
    finally:
        await pc.close()
