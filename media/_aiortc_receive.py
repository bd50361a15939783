"""A publisher's RTP, from the socket to our receiver tap in one call.

aiortc receives a datagram through aioice's queue and two coroutines (the ICE
connection's `recv()`, the DTLS transport's receive loop, then three awaited
handlers), one task switch per packet. For SRTP on a connected transport we do
the same work directly where aioice hands the datagram over: unprotect, parse
(aiortc's parser, with the transport's header-extension map), route (aiortc's
router, with our mid routing), hand to the receiver's synchronous tap
(`_aiortc_taps.tap_receiver_packets`). DTLS, RTCP and anything before the
handshake still take aiortc's path, so do receivers we did not tap.

One of the small set of modules that touch aiortc internals (see
`_aiortc_taps`); tests/media/test_aiortc_taps.py runs `check()`.
"""

from __future__ import annotations

import asyncio
import struct
from collections import deque
from typing import Any

import aioice.ice
from aiortc import RTCDtlsTransport
from aiortc import clock as aiortc_clock
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtp import HeaderExtensions, HeaderExtensionsMap, RtpPacket

from media._aiortc_taps import (
    _DTLS_ROUTER,
    _DTLS_STATE,
    _ICE_CONNECTION,
    SYNC_RTP_HANDLER,
    AiortcInternalsChanged,
)
from media._srtp import unprotector

_DTLS_RX_SRTP = "_rx_srtp"
_DTLS_EXTENSIONS = "_rtp_header_extensions_map"
_DTLS_RX_BYTES = "_RTCDtlsTransport__rx_bytes"  # for getStats
_DTLS_RX_PACKETS = "_RTCDtlsTransport__rx_packets"
_ICE_PROTOCOLS = "_protocols"  # aioice Connection: one per local candidate
_ICE_QUEUE = "_queue"  # aioice Connection: datagrams for recv(), an asyncio.Queue
_MARK = "_hub_direct"
_MAP_IDS = "_HeaderExtensionsMap__ids"  # the negotiated ids, a HeaderExtensions
_FIXED = struct.Struct("!BHLL")  # marker|pt, sequence number, timestamp, SSRC
_PROFILE = struct.Struct("!HH")


def parse_rtp(data: bytes, extensions: HeaderExtensionsMap) -> RtpPacket:
    """aiortc's RtpPacket.parse, the common case in a third of the time: no CSRCs,
    one-byte header extensions (what browsers send); anything else goes to
    aiortc's parser. Raises ValueError on a malformed packet, as aiortc does."""
    if len(data) < 12 or data[0] >> 6 != 2 or data[0] & 0x0F:
        return RtpPacket.parse(data, extensions)
    first = data[0]
    m_pt, seq, ts, ssrc = _FIXED.unpack_from(data, 1)
    packet = RtpPacket.__new__(RtpPacket)
    packet.version = 2
    packet.marker = m_pt >> 7
    packet.payload_type = m_pt & 0x7F
    packet.sequence_number = seq
    packet.timestamp = ts
    packet.ssrc = ssrc
    packet.csrc = []
    values = packet.extensions = HeaderExtensions.__new__(HeaderExtensions)  # class defaults
    pos = 12
    if first & 0x10:
        if len(data) < 16:
            raise ValueError("RTP packet has truncated extension profile / length")
        profile, words = _PROFILE.unpack_from(data, 12)
        end = 16 + 4 * words
        if len(data) < end:
            raise ValueError("RTP packet has truncated extension value")
        if profile != 0xBEDE:
            return RtpPacket.parse(data, extensions)
        ids = getattr(extensions, _MAP_IDS)
        i = 16
        while i < end:
            head = data[i]
            if head == 0:
                i += 1
                continue
            x_id, i = head >> 4, i + 1
            stop = i + (head & 0x0F) + 1
            if stop > end:
                raise ValueError("RTP one-byte header extension value is truncated")
            if x_id == ids.mid:
                values.mid = data[i:stop].decode("utf8")
            elif x_id == ids.transport_sequence_number:
                values.transport_sequence_number = int.from_bytes(data[i:stop][:2], "big")
            elif x_id == ids.abs_send_time:
                values.abs_send_time = int.from_bytes(data[i:stop][:3], "big")
            elif x_id == ids.audio_level:
                level = data[i]
                values.audio_level = (level & 0x80 == 0x80, level & 0x7F)
            elif x_id == ids.rtp_stream_id:
                values.rtp_stream_id = data[i:stop].decode("ascii")
            elif x_id == ids.repaired_rtp_stream_id:
                values.repaired_rtp_stream_id = data[i:stop].decode("ascii")
            elif x_id == ids.transmission_offset:
                return RtpPacket.parse(data, extensions)  # (nobody sends it to us)
            i = stop
        pos = end
    if first & 0x20:
        padding = data[-1]
        if not padding or padding > len(data) - pos:
            raise ValueError("RTP packet padding length is invalid")
        packet.padding_size = padding
        packet.payload = data[pos:-padding]
    else:
        packet.padding_size = 0
        packet.payload = data[pos:]
    return packet


def receive_directly(transport: RTCDtlsTransport) -> None:
    """Take this transport's SRTP packets off aiortc's queue (idempotent)."""
    if getattr(transport, _MARK, False):
        return
    connection = getattr(transport.transport, _ICE_CONNECTION)
    queued = getattr(connection, _ICE_QUEUE)._queue  # what aiortc's receive loop has yet to take
    original = connection.data_received
    router = getattr(transport, _DTLS_ROUTER)
    extensions = getattr(transport, _DTLS_EXTENSIONS)
    connected = DtlsState.CONNECTED
    pending: set[asyncio.Future[Any]] = set()

    unprotect: list[Any] = [None, None]  # the session, its transform

    def data_received(data: bytes, component: int) -> None:
        srtp = getattr(transport, _DTLS_RX_SRTP)
        # RTP, not RTCP (aiortc's test: second byte 192-208)
        if (
            srtp is None
            or len(data) < 12
            or not 127 < data[0] < 192
            or 191 < data[1] < 209
            or getattr(transport, _DTLS_STATE) is not connected
            or queued  # (packets from the handshake's last moments still wait: keep order)
        ):
            original(data, component)
            return
        setattr(transport, _DTLS_RX_BYTES, getattr(transport, _DTLS_RX_BYTES) + len(data))
        setattr(transport, _DTLS_RX_PACKETS, getattr(transport, _DTLS_RX_PACKETS) + 1)
        if srtp is not unprotect[0]:
            unprotect[:] = [srtp, unprotector(srtp)]
        clear = unprotect[1](data)
        if clear is None:
            return  # not ours, replayed or forged: aiortc drops these too
        try:
            packet = parse_rtp(clear, extensions)
        except ValueError:
            return  # malformed: so does aiortc
        receiver = router.route_rtp(packet)
        if receiver is None:
            return
        handle = getattr(receiver, SYNC_RTP_HANDLER, None)
        if handle is not None:
            handle(packet, None)
        else:  # a receiver we did not tap: aiortc's own handler
            task = asyncio.ensure_future(
                receiver._handle_rtp_packet(packet, arrival_time_ms=aiortc_clock.current_ms())
            )
            pending.add(task)
            task.add_done_callback(pending.discard)

    connection.data_received = data_received
    # and before aioice tries each datagram as STUN (RTP's first byte is 128-191,
    # STUN's 0-3): straight from the socket's protocol
    for protocol in getattr(connection, _ICE_PROTOCOLS):
        if type(protocol) is aioice.ice.StunProtocol:
            _skip_stun_parse(protocol, data_received)
    setattr(transport, _MARK, True)


def _skip_stun_parse(protocol: aioice.ice.StunProtocol, data_received: Any) -> None:
    original = protocol.datagram_received

    def datagram_received(data: bytes | str, addr: tuple[Any, ...]) -> None:
        if data and 127 < data[0] < 192:  # type: ignore[operator]
            data_received(data, protocol.local_candidate.component)
        else:
            original(data, addr)

    protocol.datagram_received = datagram_received  # type: ignore[method-assign]


def check(transport: RTCDtlsTransport) -> None:
    """Raise AiortcInternalsChanged unless every internal used here is present."""
    connection = getattr(transport.transport, _ICE_CONNECTION, None)
    if connection is None or not callable(getattr(connection, "data_received", None)):
        raise AiortcInternalsChanged("aioice Connection.data_received is gone")
    if not isinstance(getattr(getattr(connection, _ICE_QUEUE, None), "_queue", None), deque):
        raise AiortcInternalsChanged("aioice Connection._queue is gone")
    if not isinstance(getattr(connection, _ICE_PROTOCOLS, None), list):
        raise AiortcInternalsChanged("aioice Connection._protocols is gone")
    if not callable(getattr(aioice.ice.StunProtocol, "datagram_received", None)):
        raise AiortcInternalsChanged("aioice StunProtocol.datagram_received is gone")
    for name in (_DTLS_RX_SRTP, _DTLS_STATE, _DTLS_ROUTER, _DTLS_EXTENSIONS):
        if not hasattr(transport, name):
            raise AiortcInternalsChanged(f"RTCDtlsTransport.{name} is gone")
    for name in (_DTLS_RX_BYTES, _DTLS_RX_PACKETS):
        if not isinstance(getattr(transport, name, None), int):
            raise AiortcInternalsChanged(f"RTCDtlsTransport.{name} is gone")
    if not callable(getattr(getattr(transport, _DTLS_ROUTER), "route_rtp", None)):
        raise AiortcInternalsChanged("RtpRouter.route_rtp is gone")
    ids = getattr(getattr(transport, _DTLS_EXTENSIONS), _MAP_IDS, None)
    if not isinstance(ids, HeaderExtensions):
        raise AiortcInternalsChanged("HeaderExtensionsMap's ids are gone")
