"""Every use of aiortc/aioice internals, in one place.

aiortc decodes what it receives and encodes what it sends; a forwarding SFU
wants neither. These taps hand the receiver's re-assembled encoded frames to
us instead of to its decoder, let senders pack our encoded frames (aiortc's
public av.Packet path), route subscribers' PLI/FIR to us, and narrow a
negotiated codec list. aiortc is pinned exactly in pyproject.toml;
tests/media/test_aiortc_taps.py fails loudly if an upgrade moves any of this.
"""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Awaitable, Callable
from typing import Any

import aioice.ice
from aiortc import RTCRtpCodecParameters, RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver
from aiortc.codecs import is_rtx
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtp import RtcpSrPacket

# The private attributes we touch, by their mangled names.
_RECEIVER_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"
_RECEIVER_DECODER_THREAD = "_RTCRtpReceiver__decoder_thread"
_RECEIVER_RTX_SSRC = "_RTCRtpReceiver__rtx_ssrc"  # RTX SSRC -> media SSRC
# Rebases each frame's RTP timestamp to 0 at the first frame (and unwraps it):
# frames reach us as timestamp - origin, so sender reports must be rebased alike.
_RECEIVER_TIMESTAMP_MAPPER = "_RTCRtpReceiver__timestamp_mapper"
_TRANSCEIVER_CODECS = "_codecs"

FrameCallback = Callable[[RTCRtpCodecParameters, JitterFrame], None]
# (media SSRC, frame timestamp (as frames are handed to us), sender's wall clock, Unix s)
SenderReportCallback = Callable[[int, int, float], None]
NTP_UNIX_OFFSET_S = 2208988800  # 1900-01-01 to 1970-01-01


class AiortcInternalsChanged(RuntimeError):
    """The aiortc version in use no longer has what media/ relies on."""


class _FrameTap:
    """Stands in for RTCRtpReceiver's decoder queue.

    The receiver put()s (codec, JitterFrame) for each re-assembled frame: we pass
    it on, on the event loop, without decoding. Its decoder thread get()s from
    us and only ever receives the stop sentinel, so it idles and then exits with
    the receiver; no decoder is ever created and nothing accumulates.
    """

    __slots__ = ("_on_frame", "_stop")

    def __init__(self, on_frame: FrameCallback) -> None:
        self._on_frame = on_frame
        self._stop: queue.Queue[None] = queue.Queue()

    def put(self, item: tuple[RTCRtpCodecParameters, JitterFrame] | None) -> None:
        if item is None:
            self._stop.put(None)
        else:
            self._on_frame(item[0], item[1])

    def get(self, *args: Any, **kwargs: Any) -> None:
        return self._stop.get()


def tap_receiver(receiver: RTCRtpReceiver, on_frame: FrameCallback) -> None:
    """Route the receiver's encoded frames to on_frame; must run before receive()."""
    if not hasattr(receiver, _RECEIVER_DECODER_QUEUE) or not hasattr(
        receiver, _RECEIVER_DECODER_THREAD
    ):
        raise AiortcInternalsChanged("RTCRtpReceiver has no decoder queue/thread")
    if getattr(receiver, _RECEIVER_DECODER_THREAD) is not None:
        raise AiortcInternalsChanged("receiver already started its decoder")
    setattr(receiver, _RECEIVER_DECODER_QUEUE, _FrameTap(on_frame))


def on_sender_report(receiver: RTCRtpReceiver, callback: SenderReportCallback) -> None:
    """Call `callback` for each RTCP sender report on a media (not RTX) SSRC of this
    receiver: it pairs an RTP timestamp with the sender's wall clock, the same
    clock for all of a sender's tracks, which is what lines audio up with video."""
    original = getattr(receiver, "_handle_rtcp_packet", None)
    if not callable(original):
        raise AiortcInternalsChanged("RTCRtpReceiver._handle_rtcp_packet is gone")
    rtx_ssrcs = getattr(receiver, _RECEIVER_RTX_SSRC, {})
    mapper = getattr(receiver, _RECEIVER_TIMESTAMP_MAPPER, None)
    if mapper is None or not hasattr(mapper, "_origin") or not hasattr(mapper, "_last"):
        raise AiortcInternalsChanged("RTCRtpReceiver's timestamp mapper is gone")

    async def handle_rtcp_packet(packet: Any) -> None:
        last = mapper._last
        if isinstance(packet, RtcpSrPacket) and packet.ssrc not in rtx_ssrcs and last is not None:
            info = packet.sender_info
            unix = (info.ntp_timestamp >> 32) - NTP_UNIX_OFFSET_S
            unix_s = unix + (info.ntp_timestamp & 0xFFFFFFFF) / 2**32
            delta = (info.rtp_timestamp - last) & 0xFFFFFFFF
            if delta >= 0x80000000:
                delta -= 0x100000000
            callback(packet.ssrc, last - mapper._origin + delta, unix_s)
        await original(packet)

    receiver._handle_rtcp_packet = handle_rtcp_packet  # type: ignore[method-assign,unused-ignore]


def is_tapped(receiver: RTCRtpReceiver) -> bool:
    return isinstance(getattr(receiver, _RECEIVER_DECODER_QUEUE, None), _FrameTap)


def request_keyframe(receiver: RTCRtpReceiver) -> Awaitable[Any] | None:
    """Send a PLI for each media stream this receiver currently receives.

    Browsers also send RTX (retransmissions and bandwidth-probing padding) on
    their own SSRC; a PLI for that SSRC is ignored, so those are left out."""
    rtx_ssrcs = getattr(receiver, _RECEIVER_RTX_SSRC, {})
    ssrcs = [s.source for s in receiver.getSynchronizationSources() if s.source not in rtx_ssrcs]
    if not ssrcs:
        return None
    return asyncio.gather(*(receiver._send_rtcp_pli(ssrc) for ssrc in ssrcs))


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call `callback` when the remote peer sends PLI/FIR for this sender (instead
    of asking a local encoder for a keyframe, which we don't have)."""
    if not callable(getattr(sender, "_send_keyframe", None)):
        raise AiortcInternalsChanged("RTCRtpSender._send_keyframe is gone")
    sender._send_keyframe = callback  # type: ignore[method-assign,unused-ignore]


def negotiated_codecs(transceiver: RTCRtpTransceiver) -> list[RTCRtpCodecParameters]:
    codecs: list[RTCRtpCodecParameters] = getattr(transceiver, _TRANSCEIVER_CODECS)
    return codecs


def keep_codec(transceiver: RTCRtpTransceiver, codec: RTCRtpCodecParameters) -> None:
    """Narrow a negotiated transceiver (between setRemoteDescription and
    createAnswer) to one codec and its RTX, so the answer names only it."""
    codecs = negotiated_codecs(transceiver)
    kept = [codec] + [
        c for c in codecs if is_rtx(c) and c.parameters.get("apt") == codec.payloadType
    ]
    setattr(transceiver, _TRANSCEIVER_CODECS, kept)


_discover_host_addresses = aioice.ice.get_host_addresses


def set_host_addresses(addresses: list[str], *, discover: bool) -> None:
    """Make aioice gather host candidates on `addresses` (plus its own discovery
    when `discover`). aioice never offers 127.0.0.1 by itself. Process-wide."""
    extra = list(dict.fromkeys(addresses))

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        found = _discover_host_addresses(use_ipv4, use_ipv6) if discover else []
        wanted = [a for a in extra if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]
        return list(dict.fromkeys(wanted + found))

    aioice.ice.get_host_addresses = get_host_addresses


async def check() -> None:
    """Raise AiortcInternalsChanged unless every internal we use is present."""
    from aiortc import RTCPeerConnection

    pc = RTCPeerConnection()
    try:
        transceiver = pc.addTransceiver("video", direction="recvonly")
        tap_receiver(transceiver.receiver, lambda codec, frame: None)
        on_keyframe_request(transceiver.sender, lambda: None)
        on_sender_report(transceiver.receiver, lambda ssrc, rtp, unix: None)
        if not isinstance(getattr(transceiver.receiver, _RECEIVER_RTX_SSRC, None), dict):
            raise AiortcInternalsChanged("RTCRtpReceiver has no RTX SSRC map")
        if not callable(getattr(transceiver.receiver, "_send_rtcp_pli", None)):
            raise AiortcInternalsChanged("RTCRtpReceiver._send_rtcp_pli is gone")
        if not isinstance(getattr(transceiver, _TRANSCEIVER_CODECS, None), list):
            raise AiortcInternalsChanged("RTCRtpTransceiver._codecs is gone")
        if not callable(getattr(aioice.ice, "get_host_addresses", None)):
            raise AiortcInternalsChanged("aioice.ice.get_host_addresses is gone")
    finally:
        await pc.close()
