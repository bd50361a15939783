"""Stopped m-lines in our answers (JSEP, RFC 8829 5.3.1 and RFC 8843 7.3.3), which
aiortc writes as if they were live: an offered m-line with port 0 (a transceiver the
browser stopped, e.g. a screen share that ended) must be answered with port 0 and be
left out of the answer's BUNDLE group. Chromium refuses an answer whose BUNDLE group
names a mid its offer's group did not ("A BUNDLE group in answer contains a MID='2'
that was not in the offered group"), and its publish connection then stays stuck in
have-local-offer. Text in, text out."""

from __future__ import annotations

from media.simulcast_sdp import sdp_sections


def _mid(lines: list[str]) -> str | None:
    return next((line[6:].strip() for line in lines if line.startswith("a=mid:")), None)


def _bundle(lines: list[str]) -> list[str] | None:
    line = next((line for line in lines if line.startswith("a=group:BUNDLE")), None)
    return None if line is None else line.split()[1:]


def answer_stopped(answer: str, offer: str) -> str:
    """`answer` with the m-lines the offer stopped (port 0) at port 0, and its BUNDLE
    group cut to the mids the offer's group holds."""
    offered = sdp_sections(offer)
    stopped = {
        _mid(lines)
        for lines in offered[1:]
        if lines and len(lines[0].split()) > 1 and lines[0].split()[1] == "0"
    }
    stopped.discard(None)
    offered_bundle = _bundle(offered[0])
    sections = sdp_sections(answer)
    if not stopped and offered_bundle is None:
        return answer
    for lines in sections[1:]:
        if _mid(lines) in stopped and lines:
            words = lines[0].split(" ")
            lines[0] = " ".join([words[0], "0", *words[2:]])
    session = sections[0]
    for i, line in enumerate(session):
        if line.startswith("a=group:BUNDLE"):
            keep = [
                mid
                for mid in line.split()[1:]
                if mid not in stopped and (offered_bundle is None or mid in offered_bundle)
            ]
            session[i] = " ".join(["a=group:BUNDLE", *keep])
    return "\r\n".join(line for lines in sections for line in lines) + "\r\n"
