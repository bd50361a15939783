"""Pipes between routers: a producer of one router consumed in another (a room's
camera on a wall, an expert's room watching a mediation), as mediasoup's
pipeToRouter.

    mirror = pipe_to_router(producer, other_router)
    other_router.create_peer_transport().consume(mirror) ...

The target router gets a producer of its own (same codec, simulcast layers and
app_data, plus "pipedFrom") on a PipeTransport. Everything the source receives
crosses once per target router, not once per consumer: RTP packets with their
layer, or frames for a frame source, and the source's sender reports; keyframe
requests travel back. What crosses is exactly what a node-to-node pipe would
carry (RTP, RTCP sender reports, PLI), so `PipeLink` is the seam where an
RTP-over-UDP link between nodes plugs in later; today's link is a direct call
in the same process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from media.errors import InvalidStateError
from media.frames import EncodedFrame
from media.producer import Producer
from media.rtp import RtpPacketLike
from media.transport import Transport

if TYPE_CHECKING:
    from media.router import Router


class PipeTransport(Transport):
    """The target router's end of pipes from other routers (one per source router)."""


class PipeLink:
    """Carries one source producer into one target router (in-process)."""

    def __init__(self, source: Producer, mirror: Producer) -> None:
        self.source = source
        self.mirror = mirror
        self._listeners: list[tuple[Any, str, Any]] = []
        for emitter, event, listener in (
            (source.observer, "pause", mirror.pause),
            (source.observer, "resume", mirror.resume),
            (mirror.observer, "close", self._mirror_closed),
        ):
            emitter.on(event, listener)
            self._listeners.append((emitter, event, listener))

    # source -> target (what a network pipe would send as RTP / RTCP SR)
    def on_rtp(self, packet: RtpPacketLike, layer: int) -> None:
        self.mirror._receive_rtp(packet, layer)

    def on_frame(self, frame: EncodedFrame) -> None:
        self.mirror.send(frame)

    def on_sender_report(self, ssrc: int, rtp_timestamp: int, unix_s: float) -> None:
        self.mirror.note_sender_report(ssrc, rtp_timestamp, unix_s)

    def on_close(self) -> None:
        """The source closed: so does its mirror (and the mirror's consumers)."""
        self._detach()
        self.mirror.close()

    # target -> source (what a network pipe would send as RTCP PLI)
    def request_keyframe(self) -> None:
        self.source.request_keyframe()

    def _mirror_closed(self) -> None:
        self._detach()
        if self.source.pipes.get(self._target_id) is self:
            del self.source.pipes[self._target_id]

    @property
    def _target_id(self) -> str:
        return str(self.mirror.app_data.get("pipeRouter", ""))

    def _detach(self) -> None:
        for emitter, event, listener in self._listeners:
            emitter.off(event, listener)
        self._listeners.clear()


def pipe_to_router(
    producer: Producer, router: Router, *, app_data: dict[str, Any] | None = None
) -> Producer:
    """`producer` (of another router) as a producer of `router`; the same one
    again if it is already piped there."""
    if producer.closed:
        raise InvalidStateError(f"producer {producer.id} is closed")
    existing = producer.pipes.get(router.id)
    if existing is not None and not existing.mirror.closed:
        return existing.mirror
    transport = router.pipe_transport()
    link: list[PipeLink] = []
    mirror = transport._create_producer(
        producer.codec,
        lambda: link[0].request_keyframe() if link else None,
        {
            **producer.app_data,
            **(app_data or {}),
            "pipedFrom": producer.id,
            "pipeRouter": router.id,
        },
        group=producer.group,
        layers=producer.layers,
    )
    pipe = PipeLink(producer, mirror)
    link.append(pipe)
    producer.pipes[router.id] = pipe
    if producer.paused:
        mirror.pause()
    for ssrc, (rtp_timestamp, unix_s, _) in producer.sender_reports.items():
        mirror.note_sender_report(ssrc, rtp_timestamp, unix_s)
    return mirror
