"""INVITE dialogs byte by byte, the test playing the device on a raw UDP socket:
what our INVITE, ACK and BYE say, a retransmitted 200 ACKed again, a refusal
ACKed in its transaction, and Via stamped with where requests really came from."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest

from media.camera_source import CameraState, SourceError
from media.ps_rtp_source import StreamOffer
from signaling.gb28181.live import LiveDialogs
from signaling.gb28181.platform import GbConfig
from signaling.gb28181.registry import GbSession
from tests.signaling.gb28181.raw import DEVICE, PASSWORD, Client, Running

CHANNEL = "34020000001320000009"
PLATFORM = "34020000002000000001"


@pytest.fixture
def running() -> Iterator[Running]:
    platform = Running(GbConfig(sip_port=0, password=PASSWORD, auto_query=False))
    yield platform
    platform.close()


def header(message: bytes, name: str) -> str:
    match = re.search(rb"\r\n" + name.encode() + rb": ([^\r]*)\r\n", message)
    assert match, (name, message[:300])
    return match.group(1).decode()


def receive(client: Client, method: str) -> bytes:
    while True:
        data = client.sock.recv(65535)
        if data.startswith(method.encode() + b" "):
            return data


def answer(invite: bytes, status: str, client: Client, *, body: bytes = b"",
           tag: str = "dev1") -> bytes:  # fmt: skip
    to = header(invite, "To")
    lines = [
        f"SIP/2.0 {status}",
        f"Via: {header(invite, 'Via')}",
        f"From: {header(invite, 'From')}",
        f"To: {to}" if "tag=" in to else f"To: {to};tag={tag}",
        f"Call-ID: {header(invite, 'Call-ID')}",
        f"CSeq: {header(invite, 'CSeq')}",
        f"Contact: <sip:{CHANNEL}@127.0.0.1:{client.port}>",
    ]
    if body:
        lines.append("Content-Type: APPLICATION/SDP")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def start_invite(running: Running, dialogs: LiveDialogs) -> Future[Any]:
    offer = StreamOffer("127.0.0.1", 40000, "udp")
    return asyncio.run_coroutine_threadsafe(dialogs.invite(DEVICE, CHANNEL, offer), running.loop)


def test_invite_ack_retransmitted_200_and_bye(running: Running) -> None:
    client = Client(running.platform.port)
    assert client.register(PASSWORD) == 200
    dialogs = LiveDialogs(running.platform)
    pending = start_invite(running, dialogs)
    invite = receive(client, "INVITE")
    assert invite.startswith(f"INVITE sip:{CHANNEL}@127.0.0.1:{client.port} SIP/2.0".encode())
    ssrc = re.search(rb"\r\ny=(\d{10})\r\n", invite).group(1).decode()  # type: ignore[union-attr]
    assert ssrc.startswith("0") and ssrc[1:6] == PLATFORM[3:8], "y=: live, then the domain"
    assert header(invite, "Subject") == f"{CHANNEL}:{ssrc},{PLATFORM}:0"
    assert b"m=video 40000 RTP/AVP 96\r\n" in invite and b"a=rtpmap:96 PS/90000" in invite
    assert b"c=IN IP4 127.0.0.1" in invite and b"a=recvonly" in invite
    sdp = (f"v=0\r\no={CHANNEL} 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\n"
           f"t=0 0\r\nm=video 15060 RTP/AVP 96\r\na=sendonly\r\na=rtpmap:96 PS/90000\r\n"
           f"y={ssrc}\r\nf=v/2/5/25/1/1000a///\r\n").encode()  # fmt: skip
    client.send(answer(invite, "100 Trying", client))
    ok = answer(invite, "200 OK", client, body=sdp)
    client.send(ok)
    ack = receive(client, "ACK")
    assert ack.startswith(f"ACK sip:{CHANNEL}@127.0.0.1:{client.port} SIP/2.0".encode())
    number = header(invite, "CSeq").split()[0]
    assert header(ack, "CSeq") == f"{number} ACK" and header(ack, "To").endswith(";tag=dev1")
    assert header(ack, "Via").split("branch=")[1] != header(invite, "Via").split("branch=")[1]
    session: GbSession = pending.result(5)
    assert session.ssrc == int(ssrc) and session.remote_tag == "dev1"
    client.send(ok)  # our ACK "was lost": the device sends its 200 again
    again = receive(client, "ACK")
    assert header(again, "Call-ID") == header(invite, "Call-ID")
    closing = asyncio.run_coroutine_threadsafe(dialogs.bye(session), running.loop)
    bye = receive(client, "BYE")
    assert bye.startswith(f"BYE sip:{CHANNEL}@127.0.0.1:{client.port} SIP/2.0".encode())
    assert header(bye, "CSeq") == f"{int(number) + 1} BYE"
    assert header(bye, "To").endswith(";tag=dev1")
    assert header(bye, "From").split("tag=")[1] == header(invite, "From").split("tag=")[1]
    client.send(
        answer(bye, "200 OK", client, tag="dev1").replace(b";tag=dev1;tag=dev1", b";tag=dev1")
    )
    closing.result(5)
    assert not running.platform.registry.sessions


def test_a_refused_invite_is_acked_in_its_transaction(running: Running) -> None:
    client = Client(running.platform.port)
    assert client.register(PASSWORD) == 200
    pending = start_invite(running, LiveDialogs(running.platform))
    invite = receive(client, "INVITE")
    client.send(answer(invite, "486 Busy Here", client))
    ack = receive(client, "ACK")
    assert header(ack, "Via") == header(invite, "Via"), "same branch: the INVITE's transaction"
    assert ack.startswith(invite.split(b" SIP/2.0")[0].replace(b"INVITE", b"ACK"))
    with pytest.raises(SourceError) as refused:
        pending.result(5)
    assert refused.value.state == CameraState.UNREACHABLE and "486" in refused.value.detail


def test_responses_say_where_the_request_came_from(running: Running) -> None:
    client = Client(running.platform.port)
    assert client.status(client.request("OPTIONS")) == 200
    via = header(client.last, "Via")
    assert f";rport={client.port}" in via and via.endswith(";received=127.0.0.1")
    assert client.last.index(b"\r\nVia: ") < client.last.index(b"\r\nFrom: ")
