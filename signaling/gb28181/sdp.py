"""GB/T 28181 SDP for live video (annex C / 9.2): our offer, the device's answer. Pure.

GB's additions to RFC 4566: `y=` the SSRC as 10 decimal digits (first digit 0
live, 1 history; then the 5 domain digits of the platform id; then a serial),
`f=` the media parameters (v/codec/resolution/fps/rate type/bitrate a/...), and
for TCP media RFC 4145's setup/connection attributes. GB/T 28181-2022 adds
`a=streamnumber:` (0 main stream, 1 sub stream ...).
"""

from __future__ import annotations

from dataclasses import dataclass

# f= video codec numbers: 2016 table; 2022 adds 5 for H.265
F_VIDEO_CODECS = {"1": "mpeg4", "2": "h264", "3": "svac", "4": "3gp", "5": "hevc"}


class SdpError(ValueError):
    """An answer we can't use."""


def ssrc_text(platform_id: str, serial: int, *, history: bool = False) -> str:
    domain = platform_id[3:8] if len(platform_id) >= 8 else "00000"
    return f"{1 if history else 0}{domain}{serial % 10000:04d}"


def offer(
    *,
    platform_id: str,
    host: str,
    port: int,
    transport: str,
    ssrc: str,
    stream_number: int | None = None,
) -> str:
    proto = "TCP/RTP/AVP" if transport == "tcp" else "RTP/AVP"
    lines = [
        "v=0",
        f"o={platform_id} 0 0 IN IP4 {host}",
        "s=Play",
        f"c=IN IP4 {host}",
        "t=0 0",
        f"m=video {port} {proto} 96",
        "a=recvonly",
        "a=rtpmap:96 PS/90000",
    ]
    if transport == "tcp":
        lines += ["a=setup:passive", "a=connection:new"]
    if stream_number is not None:
        lines.append(f"a=streamnumber:{stream_number}")
    lines.append(f"y={ssrc}")
    return "\r\n".join(lines) + "\r\n"


@dataclass(frozen=True, slots=True)
class Answer:
    host: str
    port: int
    transport: str  # "udp" / "tcp"
    ssrc: int | None  # from y=
    setup: str  # "active" / "passive" / "" (TCP only)
    payload_types: dict[int, str]  # from rtpmap
    video_codec: str  # from f= if given, else ""


def parse_answer(text: str) -> Answer:
    host = ""
    port = -1
    transport = "udp"
    ssrc: int | None = None
    setup = ""
    payload_types: dict[int, str] = {}
    video_codec = ""
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:].strip()
        if kind == "c":
            parts = value.split()
            if len(parts) == 3:
                host = parts[2].split("/")[0]
        elif kind == "m" and value.startswith("video") and port < 0:
            parts = value.split()
            if len(parts) < 3 or not parts[1].isdigit():
                raise SdpError(f"bad m= line: {value[:60]!r}")
            port = int(parts[1])
            transport = "tcp" if parts[2].upper().startswith("TCP") else "udp"
        elif kind == "y":
            digits = value.strip()
            if not digits.isdigit() or len(digits) > 10 or int(digits) >= 2**32:
                raise SdpError(f"bad y= line: {value[:20]!r}")
            ssrc = int(digits)
        elif kind == "f" and value.startswith("v/"):
            video_codec = F_VIDEO_CODECS.get(value[2:].split("/", 1)[0], "")
        elif kind == "a":
            name, _, rest = value.partition(":")
            if name == "setup":
                setup = rest.strip().lower()
            elif name == "rtpmap":
                pt, _, encoding = rest.partition(" ")
                if pt.strip().isdigit():
                    payload_types[int(pt)] = encoding.strip().split("/")[0].upper()
    if port < 0:
        raise SdpError("no video m= line")
    if not 0 <= port <= 65535:
        raise SdpError("bad port")
    return Answer(host, port, transport, ssrc, setup, payload_types, video_codec)
