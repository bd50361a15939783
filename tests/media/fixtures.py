"""Pre-encoded media and real aiortc peers for media tests (no browser).

Frames are encoded once here, in the test process; the hub under test never
encodes or decodes.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import struct
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

import av
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import HeaderExtensionsMap

from media import _aiortc_taps as taps
from media._aiortc_taps import EXT_RID, EXT_TRANSPORT_CC
from media.consumer import Consumer
from media.frames import is_keyframe
from media.peer_transport import PeerTransport
from media.router import Router
from media.rtp import EXT_ABS_SEND_TIME, EXT_AUDIO_LEVEL, EXT_MID
from media.transport import RouterOptions

VIDEO_RATE = 90000
AUDIO_RATE = 48000
FPS = 30


def _pattern(i: int, width: int, height: int, rng: random.Random) -> av.VideoFrame:
    """A moving picture with some texture, so frames have realistic sizes."""
    frame = av.VideoFrame(width, height, "yuv420p")
    y = bytearray(width * height)
    band = (i * 4) % height
    for row in range(height):
        shade = (row + i * 3) % 256 if abs(row - band) > 8 else 255
        y[row * width : (row + 1) * width] = bytes([shade]) * width
    for _ in range(40):
        pos = rng.randrange(0, width * height - 16)
        y[pos : pos + 16] = rng.randbytes(16)
    frame.planes[0].update(bytes(y))
    for plane in frame.planes[1:]:
        plane.update(bytes([128 + (i % 32)]) * plane.buffer_size)
    return frame


@cache
def encoded_video(
    codec: str, count: int = 90, width: int = 320, height: int = 240, bitrate: int = 500_000
) -> tuple[bytes, ...]:
    """`count` frames of VP8 ("libvpx") or H.264 baseline Annex B ("libx264"), GOP 1 s."""
    ctx = av.CodecContext.create(codec, "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = Fraction(1, FPS)
    ctx.framerate = FPS
    ctx.gop_size = FPS
    ctx.bit_rate = bitrate
    if codec == "libx264":
        ctx.options = {"profile": "baseline", "tune": "zerolatency", "preset": "ultrafast"}
    else:
        ctx.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    rng = random.Random(7)
    out: list[bytes] = []
    for i in range(count):
        frame = _pattern(i, width, height, rng)
        frame.pts = i
        out.extend(bytes(p) for p in ctx.encode(frame))
    out.extend(bytes(p) for p in ctx.encode(None))
    return tuple(out[:count])


@cache
def encoded_opus(count: int = 150) -> tuple[bytes, ...]:
    """`count` 20 ms Opus packets of a 440 Hz tone."""
    ctx = av.CodecContext.create("libopus", "w")
    ctx.sample_rate, ctx.layout, ctx.format, ctx.bit_rate = AUDIO_RATE, "stereo", "s16", 64000
    out: list[bytes] = []
    n = 960
    for i in range(count + 5):
        samples = b"".join(
            struct.pack("<hh", v, v)
            for v in (
                int(8000 * math.sin(2 * math.pi * 440 * (i * n + k) / AUDIO_RATE)) for k in range(n)
            )
        )
        frame = av.AudioFrame(format="s16", layout="stereo", samples=n)
        frame.planes[0].update(samples)
        frame.sample_rate = AUDIO_RATE
        frame.pts = i * n
        out.extend(bytes(p) for p in ctx.encode(frame))
    return tuple(out[:count])


def h264_nal_units(data: bytes) -> tuple[bytes, ...]:
    """The NAL units of an Annex B access unit, without start codes: the content
    that must survive forwarding (start-code length is framing, not content)."""
    units, i = [], 0
    starts = []
    while True:
        j = data.find(b"\x00\x00\x01", i)
        if j == -1:
            break
        starts.append(j + 3)
        i = j + 3
    for k, s in enumerate(starts):
        end = starts[k + 1] - 3 if k + 1 < len(starts) else len(data)
        unit = data[s:end]
        if k + 1 < len(starts) and unit.endswith(b"\x00"):
            unit = unit[:-1]  # the 4th byte of a 00 00 00 01 start code
        units.append(unit)
    return tuple(units)


def frame_digest(mime: str, data: bytes) -> str:
    content = b"|".join(h264_nal_units(data)) if "264" in mime else data
    return hashlib.sha256(content).hexdigest()


class PacketTrack(MediaStreamTrack):
    """Plays pre-encoded frames as av.Packets at real-time pace, looping."""

    def __init__(self, kind: str, frames: tuple[bytes, ...], *, loop: bool = True) -> None:
        super().__init__()
        self.kind = kind
        self.frames = frames
        self.loop = loop
        self.sent: list[bytes] = []
        self._i = 0
        self._skipped = 0  # frames jumped over to answer keyframe requests
        self._keyframe_wanted = False
        self._rate = VIDEO_RATE if kind == "video" else AUDIO_RATE
        self._step = VIDEO_RATE // FPS if kind == "video" else 960
        self._interval = 1 / FPS if kind == "video" else 0.02
        self._start: float | None = None

    async def recv(self) -> av.Packet:
        if self._start is None:
            self._start = time.monotonic()
        if self._i >= len(self.frames) and not self.loop:
            self.stop()
            raise asyncio.CancelledError
        due = self._start + self._i * self._interval
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)  # pacing a live source, not synchronisation
        if self._keyframe_wanted:
            self._keyframe_wanted = False
            self._skip_to_keyframe()
        data = self.frames[(self._i + self._skipped) % len(self.frames)]
        packet = av.Packet(data)
        packet.pts = self._i * self._step
        packet.time_base = Fraction(1, self._rate)
        self._i += 1
        self.sent.append(data)
        return packet

    def request_keyframe(self) -> None:
        """What an encoder does on PLI/FIR: the next frame sent is a keyframe (the
        loop jumps ahead to the nearest one; timestamps keep their pace). Wired to a
        sender with `answer_keyframe_requests`."""
        self._keyframe_wanted = True

    def _skip_to_keyframe(self) -> None:
        mime = (
            "video/h264"
            if self.frames[0].startswith((b"\x00\x00\x00\x01", b"\x00\x00\x01"))
            else "video/vp8"
        )
        for ahead in range(len(self.frames)):
            if is_keyframe(mime, self.frames[(self._i + self._skipped + ahead) % len(self.frames)]):
                self._skipped += ahead
                return


def answer_keyframe_requests(pc: RTCPeerConnection) -> None:
    """Let the PacketTracks `pc` sends answer the hub's PLI/FIR like a browser's encoder
    does (aiortc can't ask an encoder it doesn't have): without this a subscriber that
    starts mid-GOP waits up to a GOP (1 s) for its first picture."""
    for sender in pc.getSenders():
        if isinstance(sender.track, PacketTrack) and sender.track.kind == "video":
            taps.on_keyframe_request(sender, sender.track.request_keyframe)


@dataclass
class Received:
    """Encoded frames a subscriber got, per track mid, tapped before decoding."""

    frames: dict[str, list[tuple[float, bytes, str]]] = field(default_factory=dict)
    events: dict[str, asyncio.Event] = field(default_factory=dict)

    def sink(self, mid: str) -> Callable[[object, JitterFrame], None]:
        store = self.frames.setdefault(mid, [])
        event = self.events.setdefault(mid, asyncio.Event())

        def on_frame(codec: object, frame: JitterFrame) -> None:
            store.append((time.monotonic(), frame.data, codec.mimeType))  # type: ignore[attr-defined]
            event.set()

        return on_frame


async def _gathered(pc: RTCPeerConnection) -> str:
    return str(pc.localDescription.sdp)


def client_pc() -> RTCPeerConnection:
    """aiortc as a client. max-bundle: with aiortc's default ("balanced") a second
    m-line of one kind is left on a transport that BUNDLE closes."""
    return RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))


def publisher_pc(tracks: list[MediaStreamTrack], codec: str | None = None) -> RTCPeerConnection:
    """A client PC with a sendonly transceiver per track; `codec` forces the video codec."""
    pc = client_pc()
    for track in tracks:
        transceiver = pc.addTransceiver(track, direction="sendonly")
        if codec and track.kind == "video":
            caps = RTCRtpSender.getCapabilities("video").codecs
            transceiver.setCodecPreferences(
                [c for c in caps if c.mimeType.lower() in (codec.lower(), "video/rtx")]
            )
    return pc


async def connect_publisher(
    transport: PeerTransport,
    tracks: list[MediaStreamTrack],
    *,
    codec: str | None = None,
    app_data: dict[str, object] | None = None,
) -> RTCPeerConnection:
    """A client PC that publishes `tracks` through `transport` (client offers)."""
    pc = publisher_pc(tracks, codec)
    await pc.setLocalDescription(await pc.createOffer())
    answer = await transport.publish(pc.localDescription.sdp, app_data=app_data)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    return pc


class Subscriber:
    """A client PC that receives through `transport` (hub offers, client answers)
    and records every encoded frame it receives, without decoding."""

    def __init__(self, transport: PeerTransport) -> None:
        self.transport = transport
        self.pc = client_pc()
        self.received = Received()
        self.pc.on("track", self._on_track)
        self._transceivers: list[object] = []

    def _on_track(self, track: MediaStreamTrack) -> None:
        for transceiver in self.pc.getTransceivers():
            if transceiver.receiver.track is track and transceiver.mid is not None:
                taps.tap_receiver(transceiver.receiver, self.received.sink(transceiver.mid))

    async def negotiate(self) -> bool:
        offer = await self.transport.subscribe_offer()
        if offer is None:
            return False
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self.transport.subscribe_answer(self.pc.localDescription.sdp)
        return True

    async def first_frame(self, mid: str, limit: float = 10) -> None:
        event = self.received.events.setdefault(mid, asyncio.Event())
        await asyncio.wait_for(event.wait(), limit)

    async def close(self) -> None:
        await self.pc.close()


@dataclass
class VideoSession:
    """A hub Router with one VP8 publisher and one subscriber consuming it."""

    router: Router
    video: PacketTrack
    publisher: RTCPeerConnection
    transport: PeerTransport
    consumer: Consumer
    subscriber: Subscriber

    @property
    def mid(self) -> str:
        return self.transport.consumer_mid(self.consumer.id) or ""


@asynccontextmanager
async def video_session(options: RouterOptions | None = None) -> AsyncIterator[VideoSession]:
    router = Router(options)
    video = PacketTrack("video", encoded_video("libvpx"))
    publisher = await connect_publisher(router.create_peer_transport(), [video])
    transport = router.create_peer_transport()
    consumer = transport.consume(router.producers[0])
    subscriber = Subscriber(transport)
    await subscriber.negotiate()
    try:
        yield VideoSession(router, video, publisher, transport, consumer, subscriber)
    finally:
        await subscriber.close()
        await publisher.close()
        await router.close()


def extension_map() -> HeaderExtensionsMap:
    """What a browser negotiates, ids in this order from 1: mid, rid,
    abs-send-time, audio level, transport-cc, repaired rid."""
    uris = [EXT_MID, EXT_RID, EXT_ABS_SEND_TIME, EXT_AUDIO_LEVEL, EXT_TRANSPORT_CC]
    uris.append("urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id")
    extensions = HeaderExtensionsMap()
    extensions.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=i + 1, uri=uri) for i, uri in enumerate(uris)
            ]
        )
    )
    return extensions
