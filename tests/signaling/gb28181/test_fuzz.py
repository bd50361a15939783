"""Malformed SIP and XML over real sockets: answered with SIP errors, never a crash.

The platform runs on its own event loop in a thread so that Hypothesis can
drive it from plain blocking sockets.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signaling.gb28181.platform import GbConfig
from tests.signaling.gb28181.raw import DEVICE, PASSWORD, Client, Running


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    config = GbConfig(sip_port=0, password=PASSWORD, auth_failures_max=3, auto_query=False)
    platform = Running(config)
    yield platform
    platform.close()


@pytest.fixture(scope="module")
def client(running: Running) -> Client:
    client = Client(running.platform.port)
    assert client.register(PASSWORD) == 200
    return client


def test_methods_and_bodies_get_the_right_errors(running: Running, client: Client) -> None:
    manscdp = "Content-Type: Application/MANSCDP+xml\r\n"
    keepalive = (b'<?xml version="1.0" encoding="GB2312"?><Notify><CmdType>Keepalive</CmdType>'
                 b"<SN>1</SN><DeviceID>" + DEVICE.encode() + b"</DeviceID></Notify>")  # fmt: skip
    assert client.status(client.request("MESSAGE", headers=manscdp, body=keepalive)) == 200
    assert client.status(client.request("MESSAGE", headers=manscdp, body=b"<Notify>")) == 400
    assert b"not well-formed" in client.last
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><Notify>&a;</Notify>'
    assert client.status(client.request("MESSAGE", headers=manscdp, body=bomb)) == 400
    plain = "Content-Type: text/plain\r\n"
    assert client.status(client.request("MESSAGE", headers=plain, body=b"hello")) == 415
    stranger = client.request("MESSAGE", device="34020000001320000777", headers=manscdp,
                              body=keepalive)  # fmt: skip
    assert client.status(stranger) == 403
    assert client.status(client.request("SUBSCRIBE")) == 405 and b"Allow:" in client.last
    assert client.status(client.request("FOO")) == 501
    assert client.status(client.request("OPTIONS")) == 200
    assert client.status(client.request("BYE", call_id="no-such-dialog")) == 481
    assert client.status(client.request("REGISTER", device="not-a-gb-id")) == 400


def test_catalogue_notifications_change_channels(running: Running, client: Client) -> None:
    registry = running.platform.registry
    manscdp = "Content-Type: Application/MANSCDP+xml\r\n"

    def notify(event: str, status: str = "ON") -> bytes:
        body = (
            '<?xml version="1.0" encoding="GB18030"?><Notify><CmdType>Catalog</CmdType>'
            f"<SN>9</SN><DeviceID>{DEVICE}</DeviceID><SumNum>1</SumNum>"
            '<DeviceList Num="1"><Item><DeviceID>34020000001320000555</DeviceID>'
            f"<Name>新装球机</Name><Status>{status}</Status><Event>{event}</Event></Item>"
            "</DeviceList></Notify>"
        ).encode("gb18030")
        return client.request("NOTIFY", headers=manscdp + "Event: Catalog\r\n", body=body)

    assert client.status(notify("ADD")) == 200
    channel = registry.find_channel("34020000001320000555")
    assert channel is not None and channel.name == "新装球机" and channel.item.online
    assert client.status(notify("OFF")) == 200
    assert not channel.item.online
    assert client.status(notify("DEL")) == 200
    assert registry.find_channel("34020000001320000555") is None


def test_a_retransmitted_request_is_answered_once(running: Running, client: Client) -> None:
    data = client.request("OPTIONS", call_id="retransmitted")
    assert client.status(data) == 200
    before = running.platform.ua.stats.retransmissions_in
    assert client.status(data) == 200
    assert running.platform.ua.stats.retransmissions_in == before + 1


def test_repeated_wrong_passwords_lock_the_device_out(running: Running) -> None:
    device = "34020000001320000001"
    attacker = Client(running.platform.port)
    for _ in range(3):
        assert attacker.register("guess", device=device) == 403
    # now even the right password is refused, without a challenge
    assert attacker.status(attacker.request("REGISTER", device=device)) == 403
    assert attacker.register(PASSWORD, device=device) == 403
    running.platform._failures.clear()  # the lockout window passing, for the next tests
    assert attacker.register(PASSWORD, device=device) == 200


def test_tcp_garbage_closes_that_connection_only(running: Running) -> None:
    port = running.platform.port
    with socket.create_connection(("127.0.0.1", port), timeout=3) as bad:
        bad.sendall(b"REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/TCP a\r\n\r\n")  # no Content-Length
        received = b""
        while chunk := bad.recv(4096):  # until the platform hangs up
            received += chunk
        assert received == b"", "too broken to address an answer to: just closed"
    with socket.create_connection(("127.0.0.1", port), timeout=3) as good:
        request = Client(port).request("OPTIONS").replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP")
        good.sendall(request)
        assert good.recv(4096).startswith(b"SIP/2.0 200 OK")


REGISTER = (
    b"REGISTER sip:34020000002000000001@3402000000 SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 127.0.0.1:5999;rport;branch=z9hG4bKfuzz\r\n"
    b"From: <sip:34020000001320000001@3402000000>;tag=f\r\n"
    b"To: <sip:34020000001320000001@3402000000>\r\n"
    b"Call-ID: fuzz\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.tuples(st.integers(0, len(REGISTER) - 1), st.binary(min_size=1, max_size=8)).map(
            lambda e: REGISTER[: e[0]] + e[1] + REGISTER[e[0] + len(e[1]) :]
        ),
    )
)
def test_fuzzed_datagrams_never_take_the_platform_down(running: Running, data: bytes) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.3)
    sock.sendto(data, ("127.0.0.1", running.platform.port))
    try:
        answer = sock.recvfrom(65535)[0]
        assert re.match(rb"SIP/2\.0 [1-6]\d\d ", answer), answer[:60]
    except TimeoutError:
        pass  # unaddressable garbage is dropped
    finally:
        sock.close()
    assert running.platform.ua.stats.handler_errors == 0
    probe = Client(running.platform.port)
    assert probe.status(probe.request("OPTIONS", call_id=f"probe-{id(data)}")) == 200


def test_without_any_password_nobody_registers() -> None:
    platform = Running(GbConfig(sip_port=0, password="", auto_query=False))
    try:
        client = Client(platform.platform.port)
        assert client.register("") == 403 and b"no password" in client.last
        assert platform.platform.registry.device(DEVICE) is None
    finally:
        platform.close()


def test_an_expired_registration_goes_offline_and_must_register_again() -> None:
    config = GbConfig(sip_port=0, password=PASSWORD, auto_query=False,
                      register_expires_min_s=1, monitor_interval_s=0.05)  # fmt: skip
    running = Running(config)
    offline = threading.Event()
    running.platform.registry.observer.on("offline", lambda device, why: offline.set())
    try:
        client = Client(running.platform.port)
        assert client.register(PASSWORD, expires=1) == 200
        assert b"Expires: 1" in client.last
        assert offline.wait(5), "offline once the registration expired"
        manscdp = "Content-Type: Application/MANSCDP+xml\r\n"
        keepalive = (b"<Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>"
                     + DEVICE.encode() + b"</DeviceID></Notify>")  # fmt: skip
        assert client.status(client.request("MESSAGE", headers=manscdp, body=keepalive)) == 403
        assert b"register again" in client.last
        assert client.register(PASSWORD, expires=3600) == 200
        assert client.status(client.request("MESSAGE", headers=manscdp, body=keepalive)) == 200
    finally:
        running.close()
