"""The event loop the hub runs on (`server.event_loop`): uvloop by default.

Forwarding media is a datagram in, a few rewritten datagrams out, many thousand
times a second; with uvloop (libuv, the loop mediasoup's workers also run on)
the loop's own share of that work shrinks. Python's asyncio loop stays a choice
(MEDIATION_HUB_EVENT_LOOP=asyncio), and is what the in-process tests use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

KINDS = ("uvloop", "asyncio")


def loop_factory(kind: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    if kind == "asyncio":
        return asyncio.new_event_loop
    raise ValueError(f"unknown event loop {kind!r} (one of {', '.join(KINDS)})")
