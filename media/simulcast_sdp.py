"""Simulcast in SDP (RFC 8851 rid, RFC 8853 simulcast), which aiortc neither
parses nor answers: read the rids a publisher offers per m-line and answer
that we receive them. Text in, text out, over untrusted input."""

from __future__ import annotations

import re

MAX_LAYERS = 3
_RID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def sdp_sections(sdp: str) -> list[list[str]]:
    """The session part, then one list of lines per m-section."""
    sections: list[list[str]] = [[]]
    for line in sdp.splitlines():
        if line.startswith("m="):
            sections.append([])
        sections[-1].append(line)
    return sections


def offered_layers(offer: str) -> dict[str, list[str]]:
    """mid -> the rids a sending m-line offers as simulcast layers, in the order of
    its `a=simulcast:send` line (lowest first, by convention: what browsers send
    is up to the page; ours lists small to large). Only m-lines with at least two
    valid, declared, unpaused rids; at most MAX_LAYERS."""
    out: dict[str, list[str]] = {}
    for lines in sdp_sections(offer)[1:]:
        mid = None
        declared: set[str] = set()
        order: list[str] = []
        for line in lines:
            if line.startswith("a=mid:"):
                mid = line[6:].strip()
            elif line.startswith("a=rid:"):
                parts = line[6:].split()
                if len(parts) >= 2 and parts[1] == "send" and _RID.match(parts[0]):
                    declared.add(parts[0])
            elif line.startswith("a=simulcast:"):
                words = line[12:].split()
                if len(words) >= 2 and words[0] == "send":
                    for stream in words[1].split(";"):
                        first = stream.split(",")[0]
                        if first and not first.startswith("~"):
                            order.append(first)
        rids = [rid for rid in dict.fromkeys(order) if rid in declared][:MAX_LAYERS]
        if mid is not None and len(rids) >= 2:
            out[mid] = rids
    return out


def answer_layers(answer: str, layers: dict[str, list[str]]) -> str:
    """`answer` with `a=rid:<rid> recv` and `a=simulcast:recv` added to the m-line
    of each mid in `layers`."""
    if not layers:
        return answer
    sections = sdp_sections(answer)
    for lines in sections[1:]:
        mid = next((line[6:].strip() for line in lines if line.startswith("a=mid:")), None)
        rids = layers.get(mid or "")
        if rids and not any(line.startswith("a=simulcast:") for line in lines):
            lines.extend(f"a=rid:{rid} recv" for rid in rids)
            lines.append("a=simulcast:recv " + ";".join(rids))
    return "\r\n".join(line for lines in sections for line in lines) + "\r\n"
