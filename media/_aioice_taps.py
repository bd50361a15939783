"""aioice internals: which host addresses it gathers, and sending on the socket
of a selected candidate pair.

aioice sends through its asyncio datagram transport; for the forwarding path we
send on a duplicate of that transport's socket instead (the same UDP socket, the
same source port), which skips the transport's per-call checks and, on uvloop,
its address conversion. The duplicate closes when the pair changes, when aioice
closes its transport, and when the DTLS transport above closes.

One of the small set of modules that touch aiortc/aioice internals (see
`_aiortc_taps`); tests/media/test_aiortc_taps.py covers them.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import aioice.ice

_discover_host_addresses = aioice.ice.get_host_addresses


def set_host_addresses(addresses: list[str], *, discover: bool) -> None:
    """Make aioice gather host candidates on `addresses` (plus its own discovery
    when `discover`). aioice never offers 127.0.0.1 by itself. Process-wide."""
    extra = list(dict.fromkeys(addresses))

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        found = _discover_host_addresses(use_ipv4, use_ipv6) if discover else []
        wanted = [a for a in extra if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]
        return list(dict.fromkeys(wanted + found))

    aioice.ice.get_host_addresses = get_host_addresses


class PairSocket:
    """Datagrams to a candidate pair's remote address, on its local socket. A
    relayed (TURN) pair has none: `relayed` is true and the caller uses aioice."""

    __slots__ = ("_address", "_sock", "_udp", "pair", "relayed")

    def __init__(self, pair: Any) -> None:
        self.pair = pair
        self._address = pair.remote_addr
        protocol = pair.protocol
        self.relayed = type(protocol) is not aioice.ice.StunProtocol
        self._udp = None if self.relayed else protocol.transport
        self._sock: socket.socket | None = None
        if self._udp is not None and not self._udp.is_closing():
            own = self._udp.get_extra_info("socket")
            if own is not None:
                self._sock = socket.socket(fileno=os.dup(own.fileno()))
                self._sock.setblocking(False)

    def send(self, data: bytes) -> None:
        """Send now, or drop (socket buffer full, network unreachable, closed), as
        a router drops: RTP repairs itself through NACKs and keyframes."""
        sock = self._sock
        if sock is None:
            return
        if self._udp.is_closing():  # type: ignore[union-attr]
            self.close()
            return
        try:
            sock.sendto(data, self._address)
        except OSError:
            pass

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
