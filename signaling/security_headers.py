"""Security headers on every response: a Content-Security-Policy without 'unsafe-inline'
(pages load their scripts and styles from files), no framing, no MIME sniffing, a
Referrer-Policy that never leaks a join link's token, and HSTS when serving TLS.

Added as the response is prepared (aiohttp's on_response_prepare signal), so errors,
static files and socket.io's WebSocket upgrade carry them too; a handler may set its own
value first (it is kept)."""

from __future__ import annotations

import re

from aiohttp import web

__all__ = ["HSTS", "content_security_policy", "setup"]

# What the pages need: scripts, styles and modules from this origin; remote media play
# from srcObject (WebRTC, no CSP directive) or blob: URLs (the recording page's Media
# Source); the QR code image is a blob: URL; socket.io speaks WebSocket to this origin.
_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
HSTS = "max-age=31536000"
_PERMISSIONS = "camera=(self), microphone=(self), display-capture=(self), geolocation=()"
# a Host header we may repeat in the policy (anything else gets 'self' only)
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")
# pages whose URL holds a token: no Referer to anyone, not even ourselves
_TOKEN_PATHS = ("/join/", "/j/")


def content_security_policy(host: str | None, *, script_hashes: tuple[str, ...] = ()) -> str:
    """The policy for a request to `host` ("hub.example:8443"). 'self' covers ws: and wss:
    in CSP 3; older browsers (some WebViews) need the WebSocket origins written out.
    `script_hashes` ("sha256-<base64>") allow exactly those inline scripts: the staff
    shell's import map, which browsers only read inline."""
    connect = "connect-src 'self'"
    if host and _HOST.match(host):
        connect += f" ws://{host} wss://{host}"
    policy = list(_POLICY)
    if script_hashes:
        policy[1] = "script-src 'self' " + " ".join(f"'{h}'" for h in script_hashes)
    return "; ".join((*policy, connect))


async def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(request.host))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", _PERMISSIONS)
    token_in_url = request.path.startswith(_TOKEN_PATHS)
    headers.setdefault("Referrer-Policy", "no-referrer" if token_in_url else "same-origin")
    if request.secure:
        headers.setdefault("Strict-Transport-Security", HSTS)


def setup(app: web.Application) -> None:
    app.on_response_prepare.append(_add_headers)
