#!/usr/bin/env python3
"""A GB/T 28181 device's media sender for tests: FFmpeg's `-f mpeg` cut into RTP.

FFmpeg encodes a test pattern (H.264 or H.265) and muxes it as MPEG-PS at real
time; this script cuts the program stream at pack headers into RTP packets
(payload type 96, 90 kHz, marker on a pack's last packet) and sends them over
UDP or over TCP with RFC 4571 framing (the device is the active side). Standard
library only, so SIPp scenarios can `exec` it with any python3.

Faults on request: --drop N drops every Nth packet, --swap N swaps every Nth
pair, --wrong-ssrc N sends every Nth packet under another SSRC.
Prints "SENT packets=<n> bytes=<n>" at the end.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import IO

MAX_PAYLOAD = 1400


def ffmpeg_command(args: argparse.Namespace) -> list[str]:
    encoder = (
        ["-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency", "-bf", "0"]
        if args.codec == "h264"
        else ["-c:v", "libx265", "-x265-params", "log-level=error:bframes=0"]
    )
    return [
        "ffmpeg", "-v", "error", "-nostdin", "-re",
        "-f", "lavfi", "-i", f"testsrc=size={args.size}:rate={args.fps}",
        "-frames:v", str(args.frames), "-pix_fmt", "yuv420p", *encoder,
        "-g", str(args.gop or args.fps), "-b:v", f"{args.kbps}k",
        "-f", "mpeg", "pipe:1",
    ]  # fmt: skip


def packs(stream: IO[bytes]) -> Iterator[bytes]:
    """The program stream cut before each pack header (00 00 01 BA)."""
    buf = b""
    read = stream.read1  # type: ignore[attr-defined]
    while True:
        chunk = read(65536)
        if not chunk:
            break
        buf += chunk
        while True:
            nxt = buf.find(b"\x00\x00\x01\xba", 4)
            if nxt == -1:
                break
            yield buf[:nxt]
            buf = buf[nxt:]
    if buf:
        yield buf


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--transport", choices=["udp", "tcp"], default="udp")
    parser.add_argument("--ssrc", type=int, default=0x12345678)
    parser.add_argument("--codec", choices=["h264", "h265"], default="h264")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--gop", type=int, default=0)
    parser.add_argument("--kbps", type=int, default=1000)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--drop", type=int, default=0)
    parser.add_argument("--swap", type=int, default=0)
    parser.add_argument("--wrong-ssrc", type=int, default=0)
    parser.add_argument("--seq", type=int, default=65000, help="first sequence number")
    parser.add_argument("--proto", default="", help="the SDP m= proto: TCP/RTP/AVP means tcp")
    parser.add_argument("--pidfile", default="")
    args = parser.parse_args()
    if args.proto:
        args.transport = "tcp" if "TCP" in args.proto.upper() else "udp"
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write(str(os.getpid()))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    if args.transport == "udp":
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.connect((args.host, args.port))
    else:
        sock = socket.create_connection((args.host, args.port), timeout=10)
    ffmpeg = subprocess.Popen(ffmpeg_command(args), stdout=subprocess.PIPE)
    seq, count, sent, total = args.seq, 0, 0, 0
    held: bytes | None = None
    start = time.monotonic()

    def send(packet: bytes) -> None:
        nonlocal sent, total
        if args.transport == "tcp":
            packet = len(packet).to_bytes(2, "big") + packet
        sock.send(packet)
        sent += 1
        total += len(packet)

    try:
        assert ffmpeg.stdout is not None
        for pack in packs(ffmpeg.stdout):
            ts = int((time.monotonic() - start) * 90000) & 0xFFFFFFFF
            pieces = [pack[i : i + MAX_PAYLOAD] for i in range(0, len(pack), MAX_PAYLOAD)]
            for k, piece in enumerate(pieces):
                count += 1
                ssrc = args.ssrc
                if args.wrong_ssrc and count % args.wrong_ssrc == 0:
                    ssrc ^= 0xFFFF
                    header = _header(k == len(pieces) - 1, seq, ts, ssrc)
                    send(header + b"\x00\x00\x01\xba garbage from someone else")
                    ssrc = args.ssrc
                header = _header(k == len(pieces) - 1, seq, ts, ssrc)
                seq = (seq + 1) & 0xFFFF
                if args.drop and count % args.drop == 0:
                    continue
                if args.swap and count % args.swap == 0 and held is None:
                    held = header + piece
                    continue
                send(header + piece)
                if held is not None:
                    send(held)
                    held = None
    except (BrokenPipeError, ConnectionError):
        pass
    finally:
        ffmpeg.kill()
        ffmpeg.wait()
        print(f"SENT packets={sent} bytes={total}", flush=True)
        sock.close()


def _header(marker: bool, seq: int, ts: int, ssrc: int) -> bytes:
    return (
        bytes([0x80, (0x80 if marker else 0) | 96])
        + seq.to_bytes(2, "big")
        + ts.to_bytes(4, "big")
        + ssrc.to_bytes(4, "big")
    )


if __name__ == "__main__":
    main()
