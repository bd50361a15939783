"""Stopped m-lines in our answers: port 0, out of the BUNDLE group."""

from __future__ import annotations

from media.bundle_sdp import answer_stopped

OFFER = (
    "v=0\r\no=- 1 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
    "m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n"
    "m=video 40000 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:1\r\na=sendonly\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:2\r\na=inactive\r\n"
)
ANSWER = (
    "v=0\r\no=- 5 5 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n"
    "m=audio 50000 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n"
    "m=video 50000 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:1\r\na=recvonly\r\n"
    "m=video 50000 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:2\r\na=inactive\r\n"
)


def test_a_stopped_m_line_is_answered_at_port_0_outside_bundle() -> None:
    answer = answer_stopped(ANSWER, OFFER)
    assert "a=group:BUNDLE 0 1\r\n" in answer
    assert "m=video 0 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:2" in answer
    assert "m=video 50000 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:1" in answer
    assert answer.count("m=") == 3 and answer.endswith("\r\n")


def test_nothing_stopped_leaves_the_answer_as_it_was() -> None:
    offer = OFFER.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2").replace(
        "m=video 0 ", "m=video 40000 "
    )
    assert answer_stopped(ANSWER, offer) == ANSWER
    # an offer without BUNDLE, garbage: nothing to cut
    assert answer_stopped(ANSWER, "garbage").replace("\r\n", "\n") == ANSWER.replace("\r\n", "\n")
