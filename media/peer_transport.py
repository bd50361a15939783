"""PeerTransport: one participant's WebRTC connections.

Two RTCPeerConnections, as LiveKit does: on the publish PC the client offers
and we answer (each received track becomes a Producer); on the subscribe PC we
offer (each Consumer is a sendonly transceiver) and renegotiate as producers
come and go. Offers only ever flow one way on each PC: no glare.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import av
from aiortc import (
    MediaStreamTrack,
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
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import SessionDescription

from media import _aiortc_taps as taps
from media.consumer import SQUEEZE, Consumer, ConsumerClosed
from media.errors import InvalidSdpError, InvalidStateError, UnsupportedCodecError
from media.frames import EncodedFrame, MediaCodec
from media.producer import Producer
from media.transport import Transport

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


class ConsumerTrack(MediaStreamTrack):
    """Feeds an aiortc sender with a consumer's encoded frames (as av.Packet:
    the sender only re-packetizes). The consumer starts when the sender first
    asks for a frame, i.e. once the connection is up, so its first frame is a
    fresh keyframe."""

    def __init__(self, consumer: Consumer) -> None:
        super().__init__()
        self.kind = consumer.kind
        self._consumer = consumer
        self._started = False

    async def recv(self) -> av.Packet[Any]:
        if not self._started:
            self._started = True
            logger.debug("consumer %s: sender started", self._consumer.id[:8])
            self._consumer.resume()
        try:
            frame = await self._consumer.recv_frame()
        except ConsumerClosed:
            self.stop()
            raise MediaStreamError from None
        return frame.as_packet()


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
        self._transceivers: dict[str, RTCRtpTransceiver] = {}  # consumer id -> transceiver
        self._subscribe_dirty = False
        for name, pc in (("publish", self._publish_pc), ("subscribe", self._subscribe_pc)):
            pc.on("connectionstatechange", self._state_listener(name, pc))

    def _state_listener(self, name: str, pc: RTCPeerConnection) -> Any:
        def listener() -> None:
            state = pc.connectionState
            if name == "publish" and state in ("failed", "closed"):
                for producer in list(self._producers.values()):
                    producer.close()  # its media stopped: subscribers drop its tiles
            self.observer.emit("connectionstatechange", name, state)

        return listener

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
            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            except Exception as exc:
                if "description send parameters" in str(exc):
                    raise UnsupportedCodecError(
                        "no codec in common (we forward VP8, H.264 pm=1, Opus)"
                    ) from None
                raise InvalidSdpError(f"offer rejected: {exc}") from None
            sending = {
                m.rtp.muxId: m.direction in SENDING_DIRECTIONS
                for m in description.media
                if m.kind in ("audio", "video")
            }
            for transceiver in pc.getTransceivers():
                mid = transceiver.mid
                if mid is None:
                    continue
                producer = self._producer_by_mid.get(mid)
                if producer is not None:
                    if not sending.get(mid, False):
                        producer.close()
                    continue
                if sending.get(mid, False) and not transceiver.stopped:
                    self._add_producer(transceiver, mid, app_data)
            answer = await pc.createAnswer()
            await pc.setLocalDescription(answer)
            return str(pc.localDescription.sdp)

    def _add_producer(
        self, transceiver: RTCRtpTransceiver, mid: str, app_data: dict[str, Any] | None
    ) -> None:
        chosen = next(
            (c for c in taps.negotiated_codecs(transceiver) if not is_rtx(c) and _forwardable(c)),
            None,
        )
        if chosen is None:
            transceiver.direction = "inactive"
            return
        taps.keep_codec(transceiver, chosen)
        receiver = transceiver.receiver
        producer = self._create_producer(
            media_codec(chosen),
            keyframe_requester=lambda: taps.request_keyframe(receiver),
            app_data={**(app_data or {}), "mid": mid},
        )
        self._producer_by_mid[mid] = producer
        taps.tap_receiver(receiver, self._frame_sink(producer))
        taps.on_sender_report(receiver, _sender_clock_sink(producer))

    @staticmethod
    def _frame_sink(producer: Producer) -> taps.FrameCallback:
        codec = producer.codec
        mime = codec.mime_type.lower()
        send = producer.send

        def on_frame(rtp_codec: RTCRtpCodecParameters, frame: JitterFrame) -> None:
            if rtp_codec.mimeType.lower() == mime:
                send(EncodedFrame(frame.data, frame.timestamp, codec))

        return on_frame

    def _producer_closed(self, producer: Producer) -> None:
        super()._producer_closed(producer)
        mid = producer.app_data.get("mid")
        if mid is not None and self._producer_by_mid.get(mid) is producer:
            del self._producer_by_mid[mid]

    # -- subscribing: we offer, client answers ----------------------------------------
    def consume(self, producer: Producer, *, app_data: dict[str, Any] | None = None) -> Consumer:
        """Send `producer` to this participant. Call subscribe_offer() afterwards."""
        # a browser may start from the producer's kept GOP (cameras: Producer.keep_gop)
        consumer = self._create_consumer(producer, app_data, paused=True, prime=SQUEEZE)
        transceiver = self._subscribe_pc.addTransceiver(
            ConsumerTrack(consumer), direction="sendonly"
        )
        transceiver.setCodecPreferences(codec_preferences(producer.codec))
        taps.on_keyframe_request(transceiver.sender, consumer.request_keyframe)
        self._transceivers[consumer.id] = transceiver
        self._mark_dirty()
        return consumer

    def consumer_mid(self, consumer_id: str) -> str | None:
        transceiver = self._transceivers.get(consumer_id)
        return None if transceiver is None else transceiver.mid

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
        await pc.setLocalDescription(await pc.createOffer())
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
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "subscribe answer applied: %s",
                [(t.mid, t.currentDirection, t.direction) for t in pc.getTransceivers()],
            )

    def _consumer_closed(self, consumer: Consumer) -> None:
        super()._consumer_closed(consumer)
        transceiver = self._transceivers.pop(consumer.id, None)
        if transceiver is not None and not self.closed:
            transceiver.direction = "inactive"
            self._mark_dirty()

    def _mark_dirty(self) -> None:
        self._subscribe_dirty = True
        self.observer.emit("negotiationneeded")

    async def _close_connections(self) -> None:
        await asyncio.gather(self._publish_pc.close(), self._subscribe_pc.close())


def _sender_clock_sink(producer: Producer) -> taps.SenderReportCallback:
    def on_sender_report(ssrc: int, rtp_timestamp: int, unix_s: float) -> None:
        producer.sender_clock = (rtp_timestamp, unix_s)

    return on_sender_report
