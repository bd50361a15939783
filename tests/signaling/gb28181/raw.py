"""Blocking raw-socket peers for the platform: say exactly what a test needs said.

The platform runs on its own event loop in a thread (`Running`) so that tests and
Hypothesis can drive it from plain sockets (`Client`).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
import threading
from typing import Any

from signaling.gb28181.platform import GbConfig, GbPlatform
from signaling.gb28181.registry import DeviceAccess

DEVICE = "34020000001320000001"
PASSWORD = "pw-12345678"


class Running:
    def __init__(self, config: GbConfig) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.platform = GbPlatform(config, credentials={DEVICE: DeviceAccess(True)}.get)
        self.call(self.platform.start())

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def close(self) -> None:
        self.call(self.platform.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class Client:
    """A blocking SIP client on UDP, enough to say things a real device wouldn't."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.connect(("127.0.0.1", port))
        self.sock.settimeout(2.0)
        self.port = self.sock.getsockname()[1]
        self.cseq = 0

    def request(self, method: str, *, device: str = DEVICE, headers: str = "",
                body: bytes = b"", call_id: str = "c1") -> bytes:  # fmt: skip
        self.cseq += 1
        head = (
            f"{method} sip:34020000002000000001@3402000000 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};rport;branch=z9hG4bK{self.cseq}x\r\n"
            f"From: <sip:{device}@3402000000>;tag=t{self.cseq}\r\n"
            f"To: <sip:{device}@3402000000>\r\nCall-ID: {call_id}\r\n"
            f"CSeq: {self.cseq} {method}\r\nMax-Forwards: 70\r\n{headers}"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    def send(self, data: bytes) -> None:
        self.sock.send(data)

    def status(self, data: bytes) -> int | None:
        """Send; the status of the response to this request (matched by CSeq)."""
        self.send(data)
        cseq = re.search(rb"\r\nCSeq: ([^\r]+)\r\n", data)
        while True:
            try:
                answer = self.sock.recv(65535)
            except TimeoutError:
                return None
            match = re.match(rb"SIP/2\.0 (\d{3}) ", answer)
            assert match, answer[:80]
            if cseq is None or b"\r\nCSeq: " + cseq.group(1) + b"\r\n" in answer:
                self.last = answer
                return int(match.group(1))

    def register(self, password: str, device: str = DEVICE, expires: int = 600) -> int | None:
        status = self.status(
            self.request("REGISTER", device=device, headers=f"Expires: {expires}\r\n")
        )
        if status != 401:
            return status
        nonce = re.search(rb'nonce="([^"]+)"', self.last).group(1).decode()  # type: ignore[union-attr]
        uri = "sip:34020000002000000001@3402000000"
        ha1 = hashlib.md5(f"{device}:3402000000:{password}".encode()).hexdigest()
        ha2 = hashlib.md5(f"REGISTER:{uri}".encode()).hexdigest()
        response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
        auth = (f'Authorization: Digest username="{device}",realm="3402000000",'
                f'nonce="{nonce}",uri="{uri}",response="{response}",algorithm=MD5\r\n')  # fmt: skip
        return self.status(self.request("REGISTER", device=device,
                                        headers=f"Expires: {expires}\r\n{auth}"))  # fmt: skip
