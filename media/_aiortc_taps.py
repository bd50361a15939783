"""Every use of aiortc/aioice peer-connection internals, in one place (the
codec helpers are in media/_aiortc_codecs.py).

aiortc decodes what it receives and encodes what it sends; a forwarding SFU
wants neither. These taps hand a publisher's RTP packets to us right after
SRTP (aiortc still keeps receive statistics, sends NACKs and receiver reports,
unwraps RTX), take over each subscribe sender (we write its RTP and RTCP and
read the subscriber's feedback), give us an SRTP-protecting writer straight to
the selected ICE pair's socket. Test
clients also use `tap_receiver` (re-assembled frames, no decoder).
aiortc is pinned exactly in pyproject.toml; tests/media/test_aiortc_taps.py
fails loudly if an upgrade moves any of this.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aioice.ice
from aiortc import (
    RTCDtlsTransport,
    RTCRtpCodecParameters,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCRtpTransceiver,
)
from aiortc import clock as aiortc_clock
from aiortc.codecs import is_rtx
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import (
    RTCRtcpFeedback,
    RTCRtpHeaderExtensionParameters,
    RTCRtpSendParameters,
)
from aiortc.rtcrtpreceiver import NackGenerator, StreamStatistics
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    RTCP_RTPFB_NACK,
    RtcpPsfbPacket,
    RtcpRrPacket,
    RtcpRtpfbPacket,
    RtcpSrPacket,
    RtpPacket,
    pack_remb_fci,
    unpack_remb_fci,
    unwrap_rtx,
)

from media._aioice_taps import PairSocket
from media._aiortc_codecs import TRANSCEIVER_CODECS, negotiated_codecs
from media._srtp import protector, rtcp_protector
from media.rtp import EXT_ABS_SEND_TIME, EXT_AUDIO_LEVEL, EXT_MID, unix_time
from media.rtp_stream import SendParameters, Writer

logger = logging.getLogger(__name__)

# The private attributes we touch, by their mangled names.
_RECEIVER_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"
_RECEIVER_DECODER_THREAD = "_RTCRtpReceiver__decoder_thread"
_RECEIVER_RTX_SSRC = "_RTCRtpReceiver__rtx_ssrc"  # RTX SSRC -> media SSRC
_RECEIVER_CODECS = "_RTCRtpReceiver__codecs"  # payload type -> codec
_RECEIVER_ACTIVE_SSRC = "_RTCRtpReceiver__active_ssrc"  # SSRC -> last seen
_RECEIVER_STREAMS = "_RTCRtpReceiver__remote_streams"  # SSRC -> StreamStatistics (for RR)
_RECEIVER_ESTIMATOR = "_RTCRtpReceiver__remote_bitrate_estimator"
_RECEIVER_KIND = "_RTCRtpReceiver__kind"
_RECEIVER_RTCP_SSRC = "_RTCRtpReceiver__rtcp_ssrc"
_DTLS_STATE = "_state"
_DTLS_TX_SRTP = "_tx_srtp"
_DTLS_PAIR_SOCKET = "_hub_pair_socket"  # ours
_ICE_CONNECTION = "_connection"  # RTCIceTransport -> aioice Connection
_ICE_NOMINATED = "_nominated"  # aioice Connection: component -> CandidatePair

FrameCallback = Callable[[RTCRtpCodecParameters, JitterFrame], None]
# (packet, its codec's MIME type, its simulcast rid or None) for each RTP packet
# of a publisher, RTX unwrapped
PacketCallback = Callable[[RtpPacket, str, str | None], None]
# (transport-wide sequence number, SSRC) of every packet that carries one
TransportSeqCallback = Callable[[int, int], None]
EXT_TRANSPORT_CC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
EXT_RID = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
EXT_REPAIRED_RID = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
_DTLS_ROUTER = "_rtp_router"
REMB_INTERVAL_S = 0.5
SYNC_RTP_HANDLER = "_hub_handle_rtp"  # a tapped receiver's handler, for _aiortc_receive
MAX_GAP = 512  # sequence numbers a publisher may skip before we stop asking for them
# (media SSRC, RTP timestamp, sender's wall clock in Unix s)
SenderReportCallback = Callable[[int, int, float], None]


class SenderHooks(Protocol):
    """What a tapped sender tells us (media.rtp_stream.OutboundStream)."""

    def started(self, params: SendParameters, write: Writer, write_rtcp: Writer) -> None: ...
    def stopped(self) -> None: ...
    def nack(self, sequence_numbers: list[int]) -> None: ...
    def keyframe_request(self) -> None: ...
    def receiver_report(
        self, fraction_lost: int, packets_lost: int, jitter: int, lsr: int, dlsr: int
    ) -> None: ...
    def remb(self, bitrate: int) -> None: ...


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


def tap_receiver_packets(
    receiver: RTCRtpReceiver,
    on_packet: PacketCallback,
    on_transport_seq: TransportSeqCallback | None = None,
) -> None:
    """Hand every RTP packet this receiver gets to `on_packet`, instead of its
    jitter buffer and decoder; must run before receive(). What aiortc did per
    packet and we still want stays: active SSRCs, statistics for receiver
    reports, RTX unwrapping, NACKs (per SSRC), and its REMB estimate unless
    transport-wide feedback goes to `on_transport_seq` instead (every packet,
    probing padding included)."""
    for name in (
        _RECEIVER_CODECS,
        _RECEIVER_ACTIVE_SSRC,
        _RECEIVER_STREAMS,
        _RECEIVER_ESTIMATOR,
        _RECEIVER_KIND,
        _RECEIVER_RTCP_SSRC,
        _RECEIVER_RTX_SSRC,
    ):
        if not hasattr(receiver, name):
            raise AiortcInternalsChanged(f"RTCRtpReceiver has no {name}")
    tap_receiver(receiver, lambda codec, frame: None)  # the decoder thread idles
    codecs: dict[int, RTCRtpCodecParameters] = getattr(receiver, _RECEIVER_CODECS)
    active: dict[int, Any] = getattr(receiver, _RECEIVER_ACTIVE_SSRC)
    streams: dict[int, StreamStatistics] = getattr(receiver, _RECEIVER_STREAMS)
    rtx_ssrcs: dict[int, int] = getattr(receiver, _RECEIVER_RTX_SSRC)
    estimator = getattr(receiver, _RECEIVER_ESTIMATOR)
    video = getattr(receiver, _RECEIVER_KIND) == "video"
    if on_transport_seq is not None:  # (the publisher estimates for itself)
        release_bitrate_estimator(receiver)
        estimator = None
    nacks: dict[int, NackGenerator] = {}
    seen: dict[int, float] = {}  # SSRC -> when `active` was last stamped
    now = aiortc_clock.current_datetime
    remb_sent = [0.0, 0]  # when, bitrate

    def remb_due(bitrate: int) -> bool:
        """aiortc's estimator yields a REMB on nearly every packet: send one per
        0.5 s, or at once when the estimate falls by a tenth."""
        at = time.monotonic()
        if at - remb_sent[0] >= REMB_INTERVAL_S or bitrate < 0.9 * remb_sent[1]:
            remb_sent[0], remb_sent[1] = at, bitrate
            return True
        return False

    kinds: dict[int, tuple[RTCRtpCodecParameters, bool, str]] = {}  # pt -> codec, RTX?, mime
    rids: dict[int, str] = {}  # simulcast: media SSRC -> rid, learned from the header
    rid_ssrcs: dict[str, int] = {}  # ... and back (for RTX, which names its rid's)

    pending: set[asyncio.Future[Any]] = set()

    def spawn(coro: Awaitable[Any]) -> None:  # an RTCP packet (REMB, NACK): rare
        task = asyncio.ensure_future(coro)
        pending.add(task)
        task.add_done_callback(pending.discard)

    def handle(packet: RtpPacket, arrival_time_ms: int | None) -> None:
        if not receiver._enabled:
            return
        if on_transport_seq is not None:
            transport_seq = packet.extensions.transport_sequence_number
            if transport_seq is not None:
                on_transport_seq(transport_seq, packet.ssrc)
        elif estimator is not None and packet.extensions.abs_send_time is not None:
            remb = estimator.add(
                abs_send_time=packet.extensions.abs_send_time,
                arrival_time_ms=arrival_time_ms or aiortc_clock.current_ms(),
                payload_size=len(packet.payload) + packet.padding_size,
                ssrc=packet.ssrc,
            )
            rtcp_ssrc = getattr(receiver, _RECEIVER_RTCP_SSRC)
            if remb is not None and rtcp_ssrc is not None and remb_due(remb[0]):
                spawn(
                    receiver._send_rtcp(
                        RtcpPsfbPacket(
                            fmt=RTCP_PSFB_APP,
                            ssrc=rtcp_ssrc,
                            media_ssrc=0,
                            fci=pack_remb_fci(*remb),
                        )
                    )
                )
        at = time.monotonic()
        if at - seen.get(packet.ssrc, 0.0) > 1.0:  # (a datetime per packet is not free)
            seen[packet.ssrc] = at
            active[packet.ssrc] = now()
        codec = codecs.get(packet.payload_type)
        if codec is None:
            return
        known = kinds.get(packet.payload_type)
        if known is None or known[0] is not codec:  # (codecs change on renegotiation)
            known = kinds[packet.payload_type] = (codec, is_rtx(codec), codec.mimeType.lower())
        ext = packet.extensions
        if ext.rtp_stream_id is not None and packet.ssrc not in rids and len(rids) < 8:
            rids[packet.ssrc] = ext.rtp_stream_id
            rid_ssrcs[ext.rtp_stream_id] = packet.ssrc
        elif ext.repaired_rtp_stream_id is not None and packet.ssrc not in rtx_ssrcs:
            media_ssrc = rid_ssrcs.get(ext.repaired_rtp_stream_id)
            if media_ssrc is not None:
                rtx_ssrcs[packet.ssrc] = media_ssrc
        stats = streams.get(packet.ssrc)
        if stats is None:
            stats = streams[packet.ssrc] = StreamStatistics(codec.clockRate)
        stats.add(packet)
        mime = known[2]
        if known[1]:
            original = rtx_ssrcs.get(packet.ssrc)
            apt = codec.parameters.get("apt")
            if original is None or len(packet.payload) < 2 or not isinstance(apt, int):
                return  # (padding-only RTX: bandwidth probing)
            base = codecs.get(apt)
            if base is None:
                return
            packet = unwrap_rtx(packet, payload_type=apt, ssrc=original)
            mime = base.mimeType.lower()
        if video:
            nack = nacks.get(packet.ssrc)
            last = None if nack is None else nack.max_seq
            if nack is None or (
                last is not None and MAX_GAP < (packet.sequence_number - last) & 0xFFFF < 0x8000
            ):
                # new stream, or a jump no loss explains: aiortc would walk every
                # number in between, once per packet
                nack = nacks[packet.ssrc] = NackGenerator()
            if nack.add(packet):
                spawn(receiver._send_rtcp_nack(packet.ssrc, sorted(nack.missing)))
        on_packet(packet, mime, rids.get(packet.ssrc))

    async def handle_rtp_packet(packet: RtpPacket, arrival_time_ms: int) -> None:
        handle(packet, arrival_time_ms)  # (aiortc's path: before `receive_directly`)

    receiver._handle_rtp_packet = handle_rtp_packet  # type: ignore[method-assign,unused-ignore]
    setattr(receiver, SYNC_RTP_HANDLER, handle)


def on_sender_report(receiver: RTCRtpReceiver, callback: SenderReportCallback) -> None:
    """Call `callback` for each RTCP sender report on a media (not RTX) SSRC of this
    receiver: it pairs an RTP timestamp with the sender's wall clock, the same
    clock for all of a sender's tracks, which is what lines audio up with video."""
    original = getattr(receiver, "_handle_rtcp_packet", None)
    if not callable(original):
        raise AiortcInternalsChanged("RTCRtpReceiver._handle_rtcp_packet is gone")
    rtx_ssrcs = getattr(receiver, _RECEIVER_RTX_SSRC, {})

    async def handle_rtcp_packet(packet: Any) -> None:
        if isinstance(packet, RtcpSrPacket) and packet.ssrc not in rtx_ssrcs:
            info = packet.sender_info
            callback(packet.ssrc, info.rtp_timestamp, unix_time(info.ntp_timestamp))
        await original(packet)

    receiver._handle_rtcp_packet = handle_rtcp_packet  # type: ignore[method-assign,unused-ignore]


def release_bitrate_estimator(receiver: RTCRtpReceiver) -> None:
    """Let go of aiortc's receive-side bandwidth estimator for a receiver that
    needs none: a sendonly transceiver's, or a publisher's that sends
    transport-wide feedback. It keeps 1,001 small objects per video receiver
    (a millisecond rate window), which the garbage collector walks."""
    setattr(receiver, _RECEIVER_ESTIMATOR, None)


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


def tap_sender(sender: RTCRtpSender, hooks: SenderHooks) -> None:
    """Take over a sendonly sender: aiortc never runs its RTP/RTCP loops for it.
    Once its connection is up and its m-line negotiated, `hooks.started` gets
    the parameters and writers; the subscriber's RTCP feedback goes to `hooks`."""
    for name in ("send", "stop", "_handle_rtcp_packet"):
        if not callable(getattr(sender, name, None)):
            raise AiortcInternalsChanged(f"RTCRtpSender.{name} is gone")
    registered: list[RTCDtlsTransport] = []

    async def send(parameters: RTCRtpSendParameters) -> None:
        if registered:
            return  # aiortc calls this again after each renegotiation
        transport = sender.transport
        transport._register_rtp_sender(sender, parameters)
        registered.append(transport)
        write, write_rtcp = srtp_writers(transport)
        hooks.started(send_parameters(sender, parameters), write, write_rtcp)

    async def stop() -> None:
        if registered:
            registered.pop()._unregister_rtp_sender(sender)
            hooks.stopped()

    async def handle_rtcp_packet(packet: Any) -> None:
        ssrc = sender._ssrc
        if isinstance(packet, (RtcpRrPacket, RtcpSrPacket)):
            for r in packet.reports:
                if r.ssrc == ssrc:
                    hooks.receiver_report(r.fraction_lost, r.packets_lost, r.jitter, r.lsr, r.dlsr)
        elif isinstance(packet, RtcpRtpfbPacket):
            if packet.fmt == RTCP_RTPFB_NACK:
                hooks.nack([s & 0xFFFF for s in packet.lost])
        elif isinstance(packet, RtcpPsfbPacket):
            if packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
                hooks.keyframe_request()
            elif packet.fmt == RTCP_PSFB_APP:
                try:
                    bitrate, ssrcs = unpack_remb_fci(packet.fci)
                except ValueError:
                    return
                if ssrc in ssrcs:
                    hooks.remb(bitrate)

    sender.send = send  # type: ignore[method-assign,unused-ignore]
    sender.stop = stop  # type: ignore[method-assign,unused-ignore]
    sender._handle_rtcp_packet = handle_rtcp_packet  # type: ignore[method-assign,unused-ignore]


def send_parameters(sender: RTCRtpSender, parameters: RTCRtpSendParameters) -> SendParameters:
    codec = parameters.codecs[0]
    rtx = next(
        (
            c.payloadType
            for c in parameters.codecs
            if is_rtx(c) and c.parameters.get("apt") == codec.payloadType
        ),
        None,
    )
    ext = {e.uri: e.id for e in parameters.headerExtensions}
    return SendParameters(
        ssrc=sender._ssrc,
        rtx_ssrc=sender._rtx_ssrc,
        payload_type=codec.payloadType or 0,
        rtx_payload_type=rtx,
        clock_rate=codec.clockRate,
        cname=parameters.rtcp.cname or "",
        mid=parameters.muxId,
        ext_mid=ext.get(EXT_MID),
        ext_abs_send_time=ext.get(EXT_ABS_SEND_TIME),
        ext_audio_level=ext.get(EXT_AUDIO_LEVEL),
        nack=any(f.type == "nack" and not f.parameter for f in codec.rtcpFeedback),
    )


def answer_extension(transceiver: RTCRtpTransceiver, offered: Any, uri: str) -> bool:
    """Answer header extension `uri` where the offer's m-line (`offered`, an aiortc
    MediaDescription) proposes it, though aiortc would not; the DTLS transport then
    parses it too. Between setRemoteDescription and createAnswer."""
    ext = next((e for e in offered.rtp.headerExtensions if e.uri == uri), None)
    if ext is None:
        return False
    extensions: list[RTCRtpHeaderExtensionParameters] = transceiver._headerExtensions
    if all(e.uri != uri for e in extensions):
        extensions.append(RTCRtpHeaderExtensionParameters(id=ext.id, uri=ext.uri))
    return True


def enable_transport_cc(transceiver: RTCRtpTransceiver, offered: Any) -> bool:
    """Answer transport-wide congestion control feedback where offered (aiortc
    itself only answers REMB)."""
    if not answer_extension(transceiver, offered, EXT_TRANSPORT_CC):
        return False
    for codec in negotiated_codecs(transceiver):
        feedback = RTCRtcpFeedback(type="transport-cc")
        if not is_rtx(codec) and feedback not in codec.rtcpFeedback:
            codec.rtcpFeedback.append(feedback)
    return True


def enable_simulcast(transceiver: RTCRtpTransceiver, offered: Any) -> bool:
    """Answer the header extensions that name simulcast layers (rid, repaired rid)."""
    return answer_extension(transceiver, offered, EXT_RID) and answer_extension(
        transceiver, offered, EXT_REPAIRED_RID
    )


def route_by_mid(transport: RTCDtlsTransport) -> None:
    """Route RTP of unknown SSRCs by their mid header extension, as BUNDLE says
    (aiortc routes by payload type only, which fails once two m-lines share one,
    and simulcast SSRCs are never announced in SDP). Idempotent."""
    router = getattr(transport, _DTLS_ROUTER)
    original = router.route_rtp
    if getattr(original, "_by_mid", False):
        return

    def route_rtp(packet: RtpPacket) -> Any:
        if packet.ssrc not in router.ssrc_table:
            mid = packet.extensions.mid
            receiver = router.mid_table.get(mid) if mid is not None else None
            if receiver is not None:
                router.ssrc_table[packet.ssrc] = receiver
                return receiver
        return original(packet)

    route_rtp._by_mid = True  # type: ignore[attr-defined]
    router.route_rtp = route_rtp


def set_stream_id(sender: RTCRtpSender, stream_id: str) -> None:
    """The msid stream of this sender's track in our offers: a subscriber's
    browser lip-syncs the audio and video of one stream."""
    sender._stream_id = stream_id


def srtp_writers(transport: RTCDtlsTransport) -> tuple[Writer, Writer]:
    """(write RTP, write RTCP): SRTP-protect with the transport's keys and send
    on the selected ICE pair at once, without aiortc's per-packet coroutines.
    Drops silently while the transport is not connected."""
    connection = getattr(transport.transport, _ICE_CONNECTION)
    nominated: dict[int, Any] = getattr(connection, _ICE_NOMINATED)
    pending: set[asyncio.Future[Any]] = set()
    connected = DtlsState.CONNECTED

    route: list[PairSocket | None] | None = getattr(transport, _DTLS_PAIR_SOCKET, None)
    if route is None:  # one per transport, shared by its writers
        route = [None]  # the selected pair's socket
        setattr(transport, _DTLS_PAIR_SOCKET, route)

        @transport.on("statechange")
        def closed() -> None:
            if transport.state in ("closed", "failed") and route[0] is not None:
                route[0].close()

    def writer(rtcp: bool) -> Writer:
        make = rtcp_protector if rtcp else protector
        protect: list[Any] = [None, None]  # the session, its transform

        def write(data: bytes) -> None:
            srtp = getattr(transport, _DTLS_TX_SRTP)
            pair = nominated.get(1)
            if srtp is None or pair is None or getattr(transport, _DTLS_STATE) != connected:
                return
            if srtp is not protect[0]:
                protect[:] = [srtp, make(srtp)]
            data = protect[1](data)
            if data is None:
                return
            out = route[0]
            if out is None or out.pair is not pair:
                if out is not None:
                    out.close()
                out = route[0] = PairSocket(pair)
            if not out.relayed:
                out.send(data)
            else:  # relayed (TURN): aioice's coroutine path
                task = asyncio.ensure_future(pair.protocol.send_data(data, pair.remote_addr))
                pending.add(task)
                task.add_done_callback(pending.discard)

        return write

    return writer(False), writer(True)


async def check() -> None:
    """Raise AiortcInternalsChanged unless every internal we use is present."""
    from aiortc import RTCPeerConnection

    pc = RTCPeerConnection()
    try:
        transceiver = pc.addTransceiver("video", direction="recvonly")
        receiver, sender = transceiver.receiver, transceiver.sender
        tap_receiver_packets(receiver, lambda packet, mime, rid: None)
        on_keyframe_request(sender, lambda: None)
        on_sender_report(receiver, lambda ssrc, rtp, unix: None)
        for name in ("_send_rtcp", "_send_rtcp_pli", "_send_rtcp_nack"):
            if not callable(getattr(receiver, name, None)):
                raise AiortcInternalsChanged(f"RTCRtpReceiver.{name} is gone")
        if not isinstance(getattr(receiver, _RECEIVER_RTX_SSRC, None), dict):
            raise AiortcInternalsChanged("RTCRtpReceiver has no RTX SSRC map")
        for name in ("_ssrc", "_rtx_ssrc", "_stream_id"):
            if not hasattr(sender, name):
                raise AiortcInternalsChanged(f"RTCRtpSender.{name} is gone")
        dtls = sender.transport
        for obj, name in (
            (dtls, _DTLS_STATE),
            (dtls, _DTLS_TX_SRTP),
            (dtls, "_register_rtp_sender"),
            (dtls, "_unregister_rtp_sender"),
            (dtls.transport, _ICE_CONNECTION),
            (getattr(dtls.transport, _ICE_CONNECTION), _ICE_NOMINATED),
        ):
            if not hasattr(obj, name):
                raise AiortcInternalsChanged(f"{type(obj).__name__}.{name} is gone")
        tap_sender(sender, _NoHooks())
        router = getattr(dtls, _DTLS_ROUTER)
        for name in ("route_rtp", "ssrc_table", "mid_table"):
            if not hasattr(router, name):
                raise AiortcInternalsChanged(f"RtpRouter.{name} is gone")
        route_by_mid(dtls)
        if not isinstance(getattr(transceiver, TRANSCEIVER_CODECS, None), list):
            raise AiortcInternalsChanged("RTCRtpTransceiver._codecs is gone")
        if not callable(getattr(aioice.ice, "get_host_addresses", None)):
            raise AiortcInternalsChanged("aioice.ice.get_host_addresses is gone")
        packet = RtpPacket.parse(b"\x80\x60\x00\x01" + b"\x00" * 8 + b"x")
        for name in ("ssrc", "sequence_number", "timestamp", "marker", "padding_size"):
            if not isinstance(getattr(packet, name, None), int):
                raise AiortcInternalsChanged(f"RtpPacket.{name} is gone")
        for name in ("audio_level", "rtp_stream_id", "repaired_rtp_stream_id"):
            if not hasattr(packet.extensions, name):
                raise AiortcInternalsChanged(f"RTP header extension {name} is gone")
    finally:
        await pc.close()


class _NoHooks:
    def started(self, params: SendParameters, write: Writer, write_rtcp: Writer) -> None: ...

    def stopped(self) -> None: ...

    def nack(self, sequence_numbers: list[int]) -> None: ...

    def keyframe_request(self) -> None: ...

    def receiver_report(
        self, fraction_lost: int, packets_lost: int, jitter: int, lsr: int, dlsr: int
    ) -> None: ...

    def remb(self, bitrate: int) -> None: ...
