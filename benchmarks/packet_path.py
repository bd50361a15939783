"""The forwarding path's per-packet steps, each against what it replaced.

Microseconds per call, in one process, median of the repeats: parse (ours vs
aiortc's), SRTP protect of a 1,100-byte packet (ours on pylibsrtp's session vs
pylibsrtp's own call, both profiles aiortc negotiates), the header rewrite
(OutboundStream.send without the write, vs aiortc serialising a packet), and the
send call on loopback (a duplicate of the pair's socket vs the asyncio and
uvloop datagram transports aioice sends through).

    python benchmarks/packet_path.py            # 7 repeats
    python benchmarks/packet_path.py --smoke    # CI: 1 repeat, few calls, no ratios
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.relay import interpreter  # noqa: E402


def _median_us(fn: Callable[[], object], number: int, repeats: int) -> float:
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeats)) / number * 1e6


def _packets() -> tuple[list[bytes], object]:
    from aiortc.rtp import RtpPacket

    from tests.media.fixtures import extension_map

    extensions = extension_map()
    payload = os.urandom(1100)
    packets = []
    for seq in range(65536):
        packet = RtpPacket(payload_type=96, sequence_number=seq, timestamp=seq * 3000, ssrc=7)
        packet.extensions.mid, packet.extensions.abs_send_time = "0", seq
        packet.payload = payload
        packets.append(packet.serialize(extensions))
    return packets, extensions


def rows(number: int, repeats: int) -> list[tuple[str, float, str, float]]:
    """(step, ours µs, baseline, baseline µs)."""
    import pylibsrtp
    from aiortc.rtp import RtpPacket

    from media._aiortc_receive import parse_rtp
    from media.rtp_stream import OutboundStream, SendParameters

    raw, extensions = _packets()
    out: list[tuple[str, float, str, float]] = []
    one = raw[100]
    out.append(
        (
            "parse",
            _median_us(lambda: parse_rtp(one, extensions), number, repeats),  # type: ignore[arg-type]
            "aiortc RtpPacket.parse",
            _median_us(lambda: RtpPacket.parse(one, extensions), number, repeats),  # type: ignore[arg-type]
        )
    )
    policy = pylibsrtp.Policy
    for name, profile, key_len in (
        ("AES-256-GCM", policy.SRTP_PROFILE_AEAD_AES_256_GCM, 44),
        ("AES-CM-SHA1-80", policy.SRTP_PROFILE_AES128_CM_SHA1_80, 30),
    ):
        out.append(_protect_row(name, profile, key_len, raw, number, repeats))
    stream = OutboundStream("video", lambda s: None)
    stream.started(
        SendParameters(
            ssrc=5,
            rtx_ssrc=6,
            payload_type=96,
            rtx_payload_type=97,
            clock_rate=90000,
            cname="c",
            mid="1",
            ext_mid=1,
            ext_abs_send_time=3,
            nack=True,
        ),
        lambda data: None,
        lambda data: None,
    )
    parsed = [RtpPacket.parse(r, extensions) for r in raw[:4096]]  # type: ignore[arg-type]
    stream.restart(parsed[0])
    c, d = itertools.cycle(parsed), itertools.cycle(parsed)
    out.append(
        (
            "header rewrite (OutboundStream.send, no write)",
            _median_us(lambda: stream.send(next(c)), number, repeats),
            "aiortc RtpPacket.serialize",
            _median_us(lambda: next(d).serialize(extensions), number, repeats),  # type: ignore[arg-type]
        )
    )
    out.extend(_send_rows(raw[0][:1100], number, repeats))
    return out


def _protect_row(
    name: str, profile: int, key_len: int, raw: list[bytes], number: int, repeats: int
) -> tuple[str, float, str, float]:
    import pylibsrtp

    from media import _srtp

    policy = pylibsrtp.Policy

    def session() -> pylibsrtp.Session:
        key = os.urandom(key_len)
        return pylibsrtp.Session(
            policy(key=key, ssrc_type=policy.SSRC_ANY_OUTBOUND, srtp_profile=profile)
        )

    ours, theirs = _srtp.protector(session()), session().protect
    a, b = itertools.cycle(raw), itertools.cycle(raw)  # (a sequence number is protected once)
    return (
        f"SRTP protect 1,100 B {name}",
        _median_us(lambda: ours(next(a)), number, repeats),
        "pylibsrtp Session.protect",
        _median_us(lambda: theirs(next(b)), number, repeats),
    )


def _send_rows(data: bytes, number: int, repeats: int) -> list[tuple[str, float, str, float]]:
    import uvloop

    found: list[tuple[str, float, str, float]] = []
    for loop_name, factory in (
        ("asyncio", asyncio.new_event_loop),
        ("uvloop", uvloop.new_event_loop),
    ):

        async def measure() -> tuple[float, float]:
            loop = asyncio.get_running_loop()
            sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sink.bind(("127.0.0.1", 0))
            sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            sink.setblocking(False)
            address = sink.getsockname()
            udp, _ = await loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
            )
            dup = socket.socket(fileno=os.dup(udp.get_extra_info("socket").fileno()))

            def drained(send: Callable[[], None]) -> Callable[[], None]:
                def both() -> None:
                    send()
                    try:
                        sink.recv(2048)
                    except BlockingIOError:
                        pass

                return both

            try:
                ours = _median_us(drained(lambda: dup.sendto(data, address)), number, repeats)
                theirs = _median_us(drained(lambda: udp.sendto(data, address)), number, repeats)
                return ours, theirs
            finally:
                dup.close()
                udp.close()
                sink.close()

        with asyncio.Runner(loop_factory=factory) as runner:
            ours, theirs = runner.run(measure())
        found.append(
            (
                f"send + receive on loopback ({loop_name})",
                ours,
                f"{loop_name} transport.sendto",
                theirs,
            )
        )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--number", type=int, default=5000)
    args = parser.parse_args()
    if args.smoke:
        args.repeats, args.number = 1, 50
    print(f"\npacket path: µs per call, median of {args.repeats} repeat(s) of {args.number}")
    print(f"interpreter: {interpreter()}")
    print(f"{'step':<48} {'ours':>7}  {'baseline':<32} {'µs':>7}  ratio")
    for step, ours, baseline, theirs in rows(args.number, args.repeats):
        ratio = "-" if args.smoke else f"{theirs / ours:.2f}x"  # (smoke: too few calls)
        print(f"{step:<48} {ours:>7.2f}  {baseline:<32} {theirs:>7.2f}  {ratio}")
    if args.smoke:
        print("smoke run: too few calls for a ratio (run without --smoke)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
