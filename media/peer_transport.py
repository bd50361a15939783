"""PeerTransport: one participant's WebRTC connections.

Two RTCPeerConnections, as LiveKit does: on the publish PC the client offers
and we answer (each received track becomes a Producer, fed with its RTP
packets); on the subscribe PC we offer (each Consumer feeds a sendonly m-line's
OutboundStream) and renegotiate as producers come and go. Offers only ever flow
one way on each PC: no glare. An m-line whose consumer closed is reused by the
next consumer of the same kind and codec, so the subscribe offer stays as large
as the most consumers ever open at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpCodecCapability,
    RTCRtpCodecParameters,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.codecs import is_rtx
from aiortc.sdp import SessionDescription

from media import _aiortc_taps as taps
from media._aiortc_codecs import keep_codec, negotiated_codecs
from media._aiortc_receive import receive_directly
from media.bundle_sdp import answer_stopped
from media.consumer import SQUEEZE, Consumer
from media.errors import (
    InvalidSdpError,
    InvalidStateError,
    TooManyProducersError,
    UnsupportedCodecError,
)
from media.frames import MediaCodec
from media.producer import Producer
from media.rtp_stream import OutboundStream
from media.simulcast_sdp import answer_layers, offered_layers
from media.transport import Transport
from media.transport_cc import TransportCcFeedback

logger = logging.getLogger(__name__)

MAX_SDP_BYTES = 32 * 1024
SENDING_DIRECTIONS = ("sendonly", "sendrecv")


def _forwardable(codec: RTCRtpCodecParameters) -> bool:
    """The codecs we forward: VP8, H.264 packetization-mode 1, Opus."""
    mime = codec.mimeType.lower()
    if mime == "video/h264":
        return str(codec.parameters.get("packetization-mode")) == "1"
    return mime in ("video/vp8", "audio/opus")


def media_codec(codec: RTCRtpCodecParameters) -> MediaCodec:
    return MediaCodec(
        mime_type=codec.mimeType,
        clock_rate=codec.clockRate,
        channels=codec.channels,
        parameters={k: v for k, v in codec.parameters.items() if isinstance(v, (str, int))},
    )


def codec_preferences(codec: MediaCodec) -> list[RTCRtpCodecCapability]:
    """aiortc capabilities that send exactly `codec` (and RTX for video)."""
    caps = RTCRtpSender.getCapabilities(codec.kind).codecs
    same = [c for c in caps if c.mimeType.lower() == codec.mime_type.lower()]
    exact = [c for c in same if c.parameters == codec.parameters]
    chosen = (exact or same)[:1]
    if not chosen:
        raise UnsupportedCodecError(f"cannot send {codec.mime_type}")
    rtx = [c for c in caps if c.mimeType.lower() == "video/rtx"] if codec.kind == "video" else []
    return chosen + rtx


def parse_sdp(sdp: object) -> SessionDescription:
    """Parse untrusted SDP; InvalidSdpError unless it is a usable description."""
    if not isinstance(sdp, str) or not sdp.strip():
        raise InvalidSdpError("SDP must be a non-empty string")
    if len(sdp) > MAX_SDP_BYTES:
        raise InvalidSdpError(f"SDP larger than {MAX_SDP_BYTES} bytes")
    if not sdp.startswith("v=0"):
        raise InvalidSdpError("SDP must start with v=0")
    try:
        description = SessionDescription.parse(sdp)
    except Exception as exc:  # the parser raises assorted errors on garbage
        raise InvalidSdpError(f"SDP does not parse: {exc}") from None
    if not any(m.kind in ("audio", "video") for m in description.media):
        raise InvalidSdpError("SDP has no audio or video section")
    for media in description.media:
        has_ice = media.ice is not None and bool(media.ice.usernameFragment)
        if media.kind in ("audio", "video") and media.port != 0 and not has_ice:
            raise InvalidSdpError("SDP media section has no ICE credentials")
    return description


@dataclass(eq=False)
class _Slot:
    """One sendonly m-line of the subscribe PC and the stream it carries."""

    transceiver: RTCRtpTransceiver
    stream: OutboundStream
    codec: MediaCodec
    consumer: Consumer | None = None
    offer: int = 0  # the first subscribe offer that carries the current consumer
    started: bool = False


class PeerTransport(Transport):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        servers = [RTCIceServer(urls=url) for url in self._options.ice_servers]
        # max-bundle: one ICE/DTLS transport for everything. With aiortc's default
        # ("balanced") an offer with two m-lines of one kind loses the second when
        # the answer bundles onto the other kind's transport.
        configuration = RTCConfiguration(
            iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE
        )
        self._publish_pc = RTCPeerConnection(configuration)
        self._subscribe_pc = RTCPeerConnection(configuration)
        self._publish_lock = asyncio.Lock()
        self._producer_by_mid: dict[str, Producer] = {}
        # mid -> the codec and rids first answered, answered again on every re-offer
        self._answered_by_mid: dict[str, tuple[RTCRtpCodecParameters, list[str]]] = {}
        self._slots: list[_Slot] = []
        self._slot_of: dict[str, _Slot] = {}  # consumer id -> its m-line
        self._offers = 0  # subscribe offers made
        self._answered = 0  # the last of them answered
        self._rtcp_task: asyncio.Future[None] | None = None
        self._tcc: TransportCcFeedback | None = None  # to the publisher, once it connects
        self._subscribe_dirty = False
        self._connect_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        for name, pc in (("publish", self._publish_pc), ("subscribe", self._subscribe_pc)):
            pc.on("connectionstatechange", self._state_listener(name, pc))

    def _state_listener(self, name: str, pc: RTCPeerConnection) -> Any:
        def listener() -> None:
            state = pc.connectionState
            if name == "publish" and state in ("failed", "closed"):
                for producer in list(self._producers.values()):
                    producer.close()  # its media stopped: subscribers drop its tiles
            if state == "connected" and not self._unconnected():
                self._cancel_connect_timer()
            self.observer.emit("connectionstatechange", name, state)

        return listener

    # -- abandoned connections --------------------------------------------------------
    def _unconnected(self) -> list[str]:
        """PCs that started negotiating (an offer was made) and are not connected."""
        return [
            name
            for name, pc in (("publish", self._publish_pc), ("subscribe", self._subscribe_pc))
            if pc.localDescription is not None and pc.connectionState != "connected"
        ]

    def _arm_connect_timer(self) -> None:
        if self._connect_timer is None and not self.closed:
            self._connect_timer = asyncio.get_running_loop().call_later(
                self._options.connect_timeout_s, self._connect_timed_out
            )

    def _cancel_connect_timer(self) -> None:
        if self._connect_timer is not None:
            self._connect_timer.cancel()
            self._connect_timer = None

    def _connect_timed_out(self) -> None:
        self._connect_timer = None
        pending = self._unconnected()
        if self.closed or not pending:
            return
        logger.info("transport %s: %s never connected, closing", self.id[:8], pending)
        self.events.emit("connecttimeout", pending)
        task = asyncio.ensure_future(self.close())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def publish_state(self) -> str:
        return str(self._publish_pc.connectionState)

    @property
    def subscribe_state(self) -> str:
        return str(self._subscribe_pc.connectionState)

    # -- publishing: client offers, we answer ---------------------------------------
    async def publish(self, offer_sdp: str, *, app_data: dict[str, Any] | None = None) -> str:
        """Apply the client's offer on the publish PC and return our answer.

        Each new sending m-line becomes a Producer (app_data plus its "mid"); an
        m-line that stopped sending closes its producer."""
        self._check_open()
        description = parse_sdp(offer_sdp)
        async with self._publish_lock:
            pc = self._publish_pc
            if pc.signalingState != "stable":
                raise InvalidStateError("publish connection is mid-negotiation")
            new = len(self._new_sending_kinds(description))
            limit = self._options.max_producers_per_transport
            if new and len(self._producers) + new > limit:
                raise TooManyProducersError(
                    f"at most {limit} producers per transport ({len(self._producers)} open)"
                )
            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            except Exception as exc:
                if "description send parameters" in str(exc):
                    raise UnsupportedCodecError(
                        "no codec in common (we forward VP8, H.264 pm=1, Opus)"
                    ) from None
                raise InvalidSdpError(f"offer rejected: {exc}") from None
            offered = {m.rtp.muxId: m for m in description.media if m.kind in ("audio", "video")}
            sending = {
                mid: m.direction in SENDING_DIRECTIONS and m.port != 0  # port 0: stopped
                for mid, m in offered.items()
            }
            for stopped_mid, producer in list(self._producer_by_mid.items()):
                if not sending.get(stopped_mid, False) and not producer.closed:
                    producer.close()  # its m-line stopped sending (or was stopped)
            simulcast = {
                mid: rids
                for mid, rids in offered_layers(offer_sdp).items()
                if mid in offered and offered[mid].kind == "video"
            }
            answered: dict[str, list[str]] = {}
            for transceiver in pc.getTransceivers():
                mid = transceiver.mid
                if mid is None:
                    continue
                if mid in self._producer_by_mid:
                    # a re-offer: aiortc renegotiated this m-line from scratch
                    answered[mid] = self._answer_again(
                        transceiver, offered[mid], simulcast.get(mid)
                    )
                    continue
                if sending.get(mid, False) and not transceiver.stopped:
                    layers = simulcast.get(mid)
                    if layers and not taps.enable_simulcast(transceiver, offered[mid]):
                        layers = None  # rids without the header extension: one layer
                    if self._add_producer(transceiver, mid, app_data, offered[mid], layers):
                        answered[mid] = layers or []
            answer = await pc.createAnswer()
            await pc.setLocalDescription(answer)
            if pc.connectionState != "connected":
                self._arm_connect_timer()
            for transceiver in pc.getTransceivers():
                taps.route_by_mid(transceiver.receiver.transport)
                receive_directly(transceiver.receiver.transport)
            # aiortc neither keeps nor writes rid lines: we add them to the text
            with_layers = {mid: rids for mid, rids in answered.items() if rids}
            answer_sdp = answer_layers(str(pc.localDescription.sdp), with_layers)
            return answer_stopped(answer_sdp, offer_sdp)

    def _answer_again(
        self, transceiver: RTCRtpTransceiver, offered: Any, offered_rids: list[str] | None
    ) -> list[str]:
        """Answer a publishing m-line of a re-offer (a screen share added or removed next
        to it) as it was first answered: aiortc's setRemoteDescription reset its codecs
        and header extensions to its own defaults, and would answer a simulcast camera
        without the rid extension and without `a=simulcast`, which Chromium accepts
        once and then refuses its own next offer ("negotiates simulcast but does not
        negotiate the RID RTP header extension"). Returns the rids to answer."""
        first, first_layers = self._answered_by_mid[transceiver.mid or ""]
        chosen = next(
            (
                c
                for c in negotiated_codecs(transceiver)
                if c.payloadType == first.payloadType
                and c.mimeType.lower() == first.mimeType.lower()
            ),
            None,
        )
        if chosen is not None:
            extra = {
                k: v
                for k, v in first.parameters.items()
                if k not in chosen.parameters and isinstance(v, (str, int))
            }
            keep_codec(transceiver, chosen, extra)
        taps.enable_transport_cc(transceiver, offered)
        layers = [rid for rid in offered_rids or [] if rid in first_layers]
        if len(layers) < 2 or not taps.enable_simulcast(transceiver, offered):
            return []
        return layers

    def new_sending_kinds(self, offer_sdp: str) -> list[str]:
        """The kinds of the m-lines of `offer_sdp` that publish() would turn into
        new producers (sending, not producing yet): lets the caller apply limits
        before anything is applied."""
        return self._new_sending_kinds(parse_sdp(offer_sdp))

    def _new_sending_kinds(self, description: SessionDescription) -> list[str]:
        return [
            m.kind
            for m in description.media
            if m.kind in ("audio", "video")
            and m.direction in SENDING_DIRECTIONS
            and m.port != 0
            and m.rtp.muxId not in self._producer_by_mid
        ]

    def _add_producer(
        self,
        transceiver: RTCRtpTransceiver,
        mid: str,
        app_data: dict[str, Any] | None,
        offered: Any,
        layers: list[str] | None = None,
    ) -> bool:
        chosen = next(
            (c for c in negotiated_codecs(transceiver) if not is_rtx(c) and _forwardable(c)),
            None,
        )
        if chosen is None:
            transceiver.direction = "inactive"
            return False
        start = self._options.publisher_start_kbps
        video = chosen.mimeType.lower().startswith("video/")
        keep_codec(
            transceiver, chosen, {"x-google-start-bitrate": start} if video and start else None
        )
        self._answered_by_mid[mid] = (chosen, list(layers or []))  # again on re-offers
        tcc = taps.enable_transport_cc(transceiver, offered)
        receiver = transceiver.receiver
        producer = self._create_producer(
            media_codec(chosen),
            keyframe_requester=lambda: taps.request_keyframe(receiver),
            app_data={**(app_data or {}), "mid": mid},
            group=self.id,
            layers=layers,
        )
        self._producer_by_mid[mid] = producer
        taps.tap_receiver_packets(
            receiver, self._packet_sink(producer), self._transport_seq if tcc else None
        )
        taps.on_sender_report(receiver, producer.note_sender_report)
        return True

    def _transport_seq(self, transport_seq: int, ssrc: int) -> None:
        tcc = self._tcc
        if tcc is None:
            transceiver = self._publish_pc.getTransceivers()[0]
            tcc = self._tcc = TransportCcFeedback(
                taps.srtp_writers(transceiver.receiver.transport)[1]
            )
            tcc.sender_ssrc = random.getrandbits(32)
        tcc.on_packet(transport_seq, ssrc)

    @staticmethod
    def _packet_sink(producer: Producer) -> taps.PacketCallback:
        mime = producer.codec.mime_type.lower()
        receive = producer._receive_rtp
        layer_of = {rid: i for i, rid in enumerate(producer.layers)}

        def on_packet(packet: Any, packet_mime: str, rid: str | None) -> None:
            if packet_mime != mime:
                return
            if rid is None:
                if not layer_of:
                    receive(packet, 0)
                return  # (a simulcast layer before its rid was seen)
            layer = layer_of.get(rid)
            if layer is not None:
                receive(packet, layer)

        return on_packet

    def _producer_closed(self, producer: Producer) -> None:
        super()._producer_closed(producer)
        mid = producer.app_data.get("mid")
        if mid is not None and self._producer_by_mid.get(mid) is producer:
            del self._producer_by_mid[mid]
            self._answered_by_mid.pop(mid, None)

    # -- subscribing: we offer, client answers ----------------------------------------
    def consume(self, producer: Producer, *, app_data: dict[str, Any] | None = None) -> Consumer:
        """Send `producer` to this participant. Call subscribe_offer() afterwards;
        media flows once the answer to it is applied and the connection is up."""
        # a browser may start from the producer's kept GOP (cameras: Producer.keep_gop)
        consumer = self._create_consumer(
            producer, app_data, paused=True, takes_packets=True, prime=SQUEEZE
        )
        slot = next(
            (s for s in self._slots if s.consumer is None and s.codec == producer.codec), None
        )
        if slot is None:
            transceiver = self._subscribe_pc.addTransceiver(producer.kind, direction="sendonly")
            transceiver.setCodecPreferences(codec_preferences(producer.codec))
            taps.release_bitrate_estimator(transceiver.receiver)  # (it receives nothing)
            stream = OutboundStream(producer.kind, self._stream_started)
            taps.tap_sender(transceiver.sender, stream)
            slot = _Slot(transceiver, stream, producer.codec)
            self._slots.append(slot)
        else:
            slot.transceiver.direction = "sendonly"
        taps.set_stream_id(slot.transceiver.sender, producer.group)
        slot.consumer, slot.offer, slot.started = consumer, self._offers + 1, False
        slot.stream.consumer = consumer
        consumer.stream = slot.stream
        self._slot_of[consumer.id] = slot
        self._mark_dirty()
        return consumer

    def consumer_mid(self, consumer_id: str) -> str | None:
        slot = self._slot_of.get(consumer_id)
        return None if slot is None else slot.transceiver.mid

    @property
    def subscribe_lines(self) -> int:
        """m-lines in the subscribe offer (bounded by the most consumers open at once)."""
        return len(self._slots)

    @property
    def needs_subscribe_offer(self) -> bool:
        return self._subscribe_dirty and not self.closed

    async def subscribe_offer(self) -> str | None:
        """A new offer for the subscribe PC, or None if nothing changed or an offer
        is already waiting for its answer."""
        self._check_open()
        pc = self._subscribe_pc
        if not self._subscribe_dirty or pc.signalingState != "stable":
            return None
        self._subscribe_dirty = False
        self._offers += 1
        await pc.setLocalDescription(await pc.createOffer())
        if pc.connectionState != "connected":
            self._arm_connect_timer()
        return str(pc.localDescription.sdp)

    async def subscribe_answer(self, answer_sdp: str) -> None:
        self._check_open()
        parse_sdp(answer_sdp)
        pc = self._subscribe_pc
        if pc.signalingState != "have-local-offer":
            raise InvalidStateError("no subscribe offer is waiting for an answer")
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer_sdp, type="answer"))
        except Exception as exc:
            raise InvalidSdpError(f"answer rejected: {exc}") from None
        self._answered = self._offers
        self._start_consumers()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "subscribe answer applied: %s",
                [(t.mid, t.currentDirection, t.direction) for t in pc.getTransceivers()],
            )

    def _stream_started(self, stream: OutboundStream) -> None:
        if self._rtcp_task is None and not self.closed:
            self._rtcp_task = asyncio.ensure_future(self._run_rtcp())
        self._start_consumers()

    def _start_consumers(self) -> None:
        """Consumers whose m-line the subscriber has accepted, on a connection that
        is up, start now (at a fresh keyframe)."""
        for slot in self._slots:
            consumer = slot.consumer
            if (
                consumer is not None
                and not slot.started
                and slot.stream.ready
                and slot.offer <= self._answered
            ):
                slot.started = True
                logger.debug("consumer %s: sending", consumer.id[:8])
                consumer.resume()

    async def _run_rtcp(self) -> None:
        """Sender reports for every stream, at aiortc's randomised interval."""
        while not self.closed:
            await asyncio.sleep(0.5 + random.random())  # pacing, not synchronisation
            for slot in self._slots:
                if slot.consumer is not None:
                    slot.stream.send_report()

    def _consumer_closed(self, consumer: Consumer) -> None:
        super()._consumer_closed(consumer)
        slot = self._slot_of.pop(consumer.id, None)
        if slot is not None:
            slot.consumer = slot.stream.consumer = None
            if not self.closed:
                slot.transceiver.direction = "inactive"
                self._mark_dirty()

    def _mark_dirty(self) -> None:
        self._subscribe_dirty = True
        self.observer.emit("negotiationneeded")

    async def _close_connections(self) -> None:
        self._cancel_connect_timer()
        if self._rtcp_task is not None:
            self._rtcp_task.cancel()
        await asyncio.gather(self._publish_pc.close(), self._subscribe_pc.close())
