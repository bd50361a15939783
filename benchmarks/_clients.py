"""Light synthetic WebRTC peers for the benchmarks (not product code).

On a 2-core machine aiortc's own per-packet Python on the client side costs
more than the server under test, and the clients then starve it. These peers
use aiortc for what must be real (ICE, DTLS, SRTP keys, SDP) and nothing per
packet: a publisher sends pre-packetised VP8/Opus through the hub's own
packet writer (media.rtp_stream.OutboundStream behind a tapped sender), paced
in real time; a subscriber counts RTP packets and frames (marker bits) on
video SSRCs straight off its socket, reading the clear-text RTP header, and
never decrypts or parses them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.rtp import RtpPacket

from media import _aiortc_taps as taps
from media._aiortc_codecs import Packetizer
from media.frames import is_keyframe
from media.rtp_stream import OutboundStream

FPS = 30


TCC_ID = 5  # the transport-cc extension's id in our offers (aiortc uses 1-3)
RID_ID = 6  # the rtp-stream-id extension's


def _with_extensions(write: Any, seq: list[int] | None, tcc_id: int, rid: bytes = b"") -> Any:
    """A writer that adds, to each RTP packet's one-byte header extensions (before
    SRTP), a transport-wide sequence number (`seq`, shared by a connection's
    streams) and a simulcast rid (RID_ID), as a browser does."""

    def add(data: bytes) -> None:
        elements = b""
        end = 12
        if data[0] & 0x10:  # keep the elements there are, drop their padding
            words = int.from_bytes(data[14:16], "big")
            block, end, i = data[16 : 16 + 4 * words], 16 + 4 * words, 0
            while i < len(block):
                if block[i] == 0:
                    i += 1
                    continue
                length = (block[i] & 0x0F) + 2
                elements += block[i : i + length]
                i += length
        if seq is not None:
            elements += bytes([(tcc_id << 4) | 1]) + (seq[0] & 0xFFFF).to_bytes(2, "big")
            seq[0] += 1
        if rid:
            elements += bytes([(RID_ID << 4) | (len(rid) - 1)]) + rid
        elements += b"\x00" * (-len(elements) % 4)
        head = bytes([data[0] | 0x10]) + data[1:12]
        write(head + b"\xbe\xde" + (len(elements) // 4).to_bytes(2, "big") + elements + data[end:])

    return add


class LightPublisher:
    """One camera (VP8 640x480 ~0.5 Mbps, 30 fps) and, optionally, one microphone
    (Opus, 20 ms). With `transport_cc` (the default) it offers and sends
    transport-wide sequence numbers as Chromium and Safari do, and the hub gives
    transport-cc feedback; without, it sends abs-send-time and the hub runs
    aiortc's REMB estimator on every video packet (what an aiortc publisher gets)."""

    def __init__(
        self,
        video: tuple[bytes, ...],
        audio: tuple[bytes, ...] | None = None,
        *,
        transport_cc: bool = True,
        layers: list[tuple[str, tuple[bytes, ...]]] | None = None,
    ):
        """`layers`: publish the camera as simulcast layers instead, (rid, frames)
        lowest first, each with its own SSRC and the rid header extension."""
        self.pc = RTCPeerConnection()
        self._transport_cc = transport_cc or bool(layers)
        self._tcc_seq = [0]
        self._tcc_id: int | None = None
        self._rids = [rid for rid, _ in layers or []]
        self._tasks: list[asyncio.Future[None]] = []
        self._media: list[
            tuple[_Source, asyncio.Event, list[list[bytes]], list[int], float, int]
        ] = []
        transceiver = self.pc.addTransceiver("video", direction="sendonly")
        vp8 = [c for c in RTCRtpSender.getCapabilities("video").codecs if c.name == "VP8"]
        transceiver.setCodecPreferences(vp8)
        packetizer = Packetizer("video/VP8", 90000)

        def packets(frames: tuple[bytes, ...]) -> list[list[bytes]]:
            return [[p.payload for p in packetizer.packetize(f, 0)] for f in frames]

        def keys(frames: tuple[bytes, ...]) -> list[int]:
            return [i for i, f in enumerate(frames) if is_keyframe("video/vp8", f)]

        if layers:
            streams = [
                self._add(None, packets(f), keys(f), 1 / FPS, 90000 // FPS, rid)
                for rid, f in layers
            ]
            taps.tap_sender(transceiver.sender, _Layers(streams))
        else:
            taps.tap_sender(
                transceiver.sender,
                self._add("video", packets(video), keys(video), 1 / FPS, 90000 // FPS),
            )
        if audio is not None:
            transceiver = self.pc.addTransceiver("audio", direction="sendonly")
            sender = transceiver.sender
            taps.tap_sender(sender, self._add("audio", [[a] for a in audio], [], 0.02, 960))

    def _add(
        self,
        kind: str | None,
        frames: list[list[bytes]],
        keys: list[int],
        interval: float,
        step: int,
        rid: str = "",
    ) -> _Source:
        ready = asyncio.Event()

        def started(stream: OutboundStream) -> None:
            if self._tcc_id is not None:
                stream._write = _with_extensions(
                    stream._write, self._tcc_seq, self._tcc_id, rid.encode()
                )
            ready.set()

        stream = _Source(kind or "video", started)
        self._media.append((stream, ready, frames, keys, interval, step))
        return stream

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        sdp = str(self.pc.localDescription.sdp)
        if self._transport_cc:
            sdp = sdp.replace(
                "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n",
                "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                f"a=extmap:{TCC_ID} {taps.EXT_TRANSPORT_CC}\r\n",
            )
        if self._rids:  # as a browser offers simulcast: rids, no SSRCs
            video, _, rest = sdp.partition("m=audio")
            head, _, section = video.partition("m=video")
            lines = [
                line
                for line in ("m=video" + section).split("\r\n")
                if not line.startswith(("a=ssrc", "a=msid"))
            ]
            lines.insert(-1, f"a=extmap:{RID_ID} {taps.EXT_RID}")
            lines.insert(-1, f"a=extmap:{RID_ID + 1} {taps.EXT_REPAIRED_RID}")
            lines[-1:-1] = [f"a=rid:{rid} send" for rid in self._rids]
            lines.insert(-1, "a=simulcast:send " + ";".join(self._rids))
            sdp = head + "\r\n".join(lines) + ("m=audio" + rest if rest else "")
        return sdp

    async def answer(self, sdp: str) -> None:
        if f"a=extmap:{TCC_ID} {taps.EXT_TRANSPORT_CC}" in sdp:
            self._tcc_id = TCC_ID
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        for media in self._media:
            self._tasks.append(asyncio.ensure_future(self._pace(*media)))

    async def _pace(
        self,
        stream: _Source,
        ready: asyncio.Event,
        frames: list[list[bytes]],
        keys: list[int],
        interval: float,
        step: int,
    ) -> None:
        loop = asyncio.get_running_loop()
        await ready.wait()  # the connection is up
        start, i, seq, skipped = loop.time(), 0, 0, 0
        while True:
            if stream.keyframe_wanted and keys:  # as an encoder answers PLI/FIR
                stream.keyframe_wanted = False
                at = (i + skipped) % len(frames)
                skipped += min((k - at) % len(frames) for k in keys)
            payloads = frames[(i + skipped) % len(frames)]
            for k, payload in enumerate(payloads):
                packet = RtpPacket(
                    payload_type=96,
                    marker=1 if k == len(payloads) - 1 else 0,
                    sequence_number=seq & 0xFFFF,
                    timestamp=(i * step) & 0xFFFFFFFF,
                    ssrc=1,
                    payload=payload,
                )
                if seq == 0:
                    stream.restart(packet)
                stream.send(packet)
                seq += 1
            i += 1
            await asyncio.sleep(max(0.0, start + i * interval - loop.time()))  # real-time pace

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.pc.close()


class _Source(OutboundStream):
    """A pre-encoded stream's writer that notes keyframe requests (PLI/FIR): the
    pacer then jumps to the nearest keyframe ahead, as a browser's encoder sends
    one at once (timestamps keep their pace)."""

    keyframe_wanted = False

    def keyframe_request(self) -> None:
        self.keyframe_wanted = True


class _Layers:
    """One sender's hooks for several simulcast layers: each layer an
    OutboundStream with its own SSRC on the sender's connection."""

    def __init__(self, streams: list[_Source]) -> None:
        self.streams = streams

    def started(self, params: Any, write: Any, write_rtcp: Any) -> None:
        for i, stream in enumerate(self.streams):
            stream.started(dataclasses.replace(params, ssrc=params.ssrc + i), write, write_rtcp)

    def stopped(self) -> None:
        for stream in self.streams:
            stream.stopped()

    def nack(self, sequence_numbers: list[int]) -> None:
        pass  # (loopback: nothing to repair)

    def keyframe_request(self) -> None:
        for stream in self.streams:
            stream.keyframe_request()

    def receiver_report(self, *args: int) -> None:
        pass

    def remb(self, bitrate: int) -> None:
        pass


class LightSubscriber:
    """Receives what it is offered and counts it without decrypting."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection()
        self.frames = 0  # RTP packets with the marker bit on video SSRCs
        self.packets = 0
        self._video_ssrcs: set[bytes] = set()

    async def answer(self, offer: str) -> str:
        self._video_ssrcs = {
            int(ssrc).to_bytes(4, "big")
            for section in offer.split("\nm=")[1:]
            if section.startswith("video")
            for ssrc in re.findall(r"^a=ssrc:(\d+) ", section, re.M)
        }
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        connection = self.pc.getTransceivers()[0].receiver.transport.transport._connection
        original = connection.data_received
        video = self._video_ssrcs

        def data_received(data: bytes, component: int) -> None:
            if len(data) > 12 and 128 <= data[0] < 192 and not 192 <= data[1] <= 223:
                self.packets += 1  # RTP (not RTCP): counted here, never decrypted
                if data[1] & 0x80 and data[8:12] in video:
                    self.frames += 1
                return
            original(data, component)

        connection.data_received = data_received
        return str(self.pc.localDescription.sdp)

    async def close(self) -> None:
        await self.pc.close()


async def serve_forever(routes: list[Any]) -> None:
    """Run a benchmark's hub-side HTTP app on a free loopback port, print
    {"port": N} for the parent process, and serve until killed."""
    import json

    from aiohttp import web

    app = web.Application()
    app.add_routes(routes)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(json.dumps({"port": port}), flush=True)
    await asyncio.Event().wait()
