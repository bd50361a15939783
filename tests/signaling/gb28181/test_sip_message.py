"""SIP parsing and building: what devices send, and what they must not crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaling.gb28181.digest import (
    DigestAuthority,
    digest_response,
    parse_auth_params,
    parse_credentials,
)
from signaling.gb28181.sip_message import (
    SipParseError,
    SipRequest,
    SipResponse,
    SipStreamFramer,
    header_params,
    make_response,
    name_addr_uri,
    parse_message,
    uri_user,
)
from signaling.gb28181.sip_ua import lenient_error_response

REGISTER = (
    b"REGISTER sip:34020000002000000001@3402000000 SIP/2.0\r\n"
    b"v: SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK1\r\n"
    b"f: <sip:34020000001320000001@3402000000>;tag=abc\r\n"
    b"t: <sip:34020000001320000001@3402000000>\r\n"
    b"i: 1@192.168.1.64\r\n"
    b"CSeq: 1 REGISTER\r\n"
    b"Contact: <sip:34020000001320000001@192.168.1.64:5060>\r\n"
    b"Expires: 3600\r\n"
    b"l: 0\r\n\r\n"
)


def test_compact_headers_and_params() -> None:
    message = parse_message(REGISTER)
    assert isinstance(message, SipRequest) and message.method == "REGISTER"
    assert message.call_id == "1@192.168.1.64" and message.cseq == (1, "REGISTER")
    assert message.from_tag == "abc" and message.to_tag is None
    assert message.branch == "z9hG4bK1"
    assert uri_user(name_addr_uri(message.get("From") or "")) == "34020000001320000001"
    assert header_params("<sip:a@b;transport=udp>;tag=1;expires=60") == {
        "tag": "1",
        "expires": "60",
    }


def test_response_copies_what_it_must() -> None:
    request = parse_message(REGISTER)
    assert isinstance(request, SipRequest)
    response = make_response(request, 401, headers=[("WWW-Authenticate", "Digest x")])
    again = parse_message(response.to_bytes())
    assert isinstance(again, SipResponse) and again.status == 401
    assert again.call_id == request.call_id and again.to_tag and again.from_tag == "abc"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"REGISTER\r\n\r\n",
        b"FOO sip:x SIP/3.0\r\nVia: a\r\n\r\n",
        REGISTER.replace(b"CSeq: 1 REGISTER", b"CSeq: x REGISTER"),
        REGISTER.replace(b"CSeq: 1 REGISTER", b"CSeq: 1 INVITE"),
        REGISTER.replace(b"i: 1@192.168.1.64\r\n", b""),
        REGISTER.replace(b"l: 0", b"l: 99"),
        REGISTER.replace(b"Expires: 3600", b"Expires 3600"),
        b"SIP/2.0 999 What\r\n\r\n",
    ],
)
def test_malformed_messages_raise_parse_errors(data: bytes) -> None:
    with pytest.raises(SipParseError):
        parse_message(data)


def test_error_response_for_a_broken_request_when_it_can_be_addressed() -> None:
    broken = REGISTER.replace(b"CSeq: 1 REGISTER", b"CSeq: 1 INVITE")
    answer = lenient_error_response(broken, SipParseError("CSeq differs"))
    assert answer is not None and answer.startswith(b"SIP/2.0 400 Bad Request\r\n")
    assert parse_message(answer.replace(b"CSeq: 1 INVITE", b"CSeq: 1 REGISTER"))
    assert lenient_error_response(b"garbage\r\n\r\n", SipParseError("x")) is None


def test_stream_framer_cuts_by_content_length() -> None:
    framer = SipStreamFramer()
    body = "<Notify>你好</Notify>".encode("gb18030")
    message = REGISTER.replace(b"l: 0", f"l: {len(body)}".encode()) + body
    data = b"\r\n\r\n" + message + message
    out = []
    for i in range(0, len(data), 7):
        out += framer.feed(data[i : i + 7])
    assert out == [message, message]
    assert parse_message(out[0]).body == body
    with pytest.raises(SipParseError):
        SipStreamFramer().feed(b"MESSAGE sip:x SIP/2.0\r\nVia: a\r\n\r\n")


def test_digest_round_trip_and_refusals() -> None:
    authority = DigestAuthority("3402000000")
    challenge = authority.challenge()
    scheme, params = parse_auth_params(challenge)
    assert scheme == "Digest" and params["realm"] == "3402000000"
    answer = digest_response(
        algorithm="MD5", username="34020000001320000001", realm="3402000000",
        password="12345678", method="REGISTER", uri="sip:34020000002000000001@3402000000",
        nonce=params["nonce"],
    )  # fmt: skip
    header = (
        f'Digest username="34020000001320000001",realm="3402000000",nonce="{params["nonce"]}",'
        f'uri="sip:34020000002000000001@3402000000",response="{answer}",algorithm=MD5'
    )
    credentials = parse_credentials(header)
    assert credentials is not None
    assert authority.verify(credentials, "REGISTER", "12345678")
    assert not authority.verify(credentials, "REGISTER", "wrong")
    assert not DigestAuthority("3402000000").verify(credentials, "REGISTER", "12345678")
    assert parse_credentials("Basic abc") is None
    assert parse_credentials('Digest username="x"') is None


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_parser_never_raises_anything_else(data: bytes) -> None:
    try:
        parse_message(data)
    except SipParseError:
        pass
    lenient_error_response(data, SipParseError("x"))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(REGISTER) - 1), st.binary(min_size=1, max_size=6))
def test_mutated_register_never_raises_anything_else(pos: int, patch: bytes) -> None:
    data = REGISTER[:pos] + patch + REGISTER[pos + len(patch) :]
    try:
        parse_message(data)
    except SipParseError:
        pass
    try:
        SipStreamFramer().feed(data)
    except SipParseError:
        pass
