"""Security headers on every response: pages, static files, the API, errors and the
socket.io upgrade; HSTS only over TLS."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp.test_utils import TestServer

from hub.app import build_app
from hub.config import Config
from hub.tls import ensure_self_signed
from signaling.security_headers import HSTS, content_security_policy
from tests.signaling.conftest import Hub


async def _headers(url: str, **kwargs: object) -> tuple[int, dict[str, str]]:
    async with aiohttp.ClientSession() as http, http.get(url, **kwargs) as r:  # type: ignore[arg-type]
        await r.read()
        return r.status, dict(r.headers)


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {name: values for name, *values in parts}


async def test_every_response_carries_the_headers(hub: Hub) -> None:
    token = hub.token(await hub.room())
    paths = {
        f"/join/{token}": 200,
        "/join": 200,
        "/console": 200,
        "/admin": 200,
        "/console/recordings/nope": 200,  # the page; its data is refused by the API
        "/static/join/room.js": 200,
        "/static/lib/api.js": 200,
        "/vendor/socket.io.esm.min.js": 200,
        "/api/v1/openapi.json": 200,
        "/api/v1/me": 401,
        "/no/such/page": 404,
        "/healthz": 200,
    }
    base = hub.url.rstrip("/")
    for path, status in paths.items():
        got, headers = await _headers(base + path)
        assert got == status, path
        policy = _directives(headers["Content-Security-Policy"])
        script_src = policy["script-src"]
        if path in ("/console", "/admin", "/console/recordings/nope"):
            # the staff shell: its import map, by hash (tests/signaling/test_staff_shell.py)
            assert script_src[0] == "'self'" and len(script_src) == 2, path
            assert script_src[1].startswith("'sha256-"), path
        else:
            assert script_src == ["'self'"], path  # no 'unsafe-inline', no 'unsafe-eval'
        assert policy["style-src"] == ["'self'"], path
        assert policy["frame-ancestors"] == ["'none'"], path
        assert policy["object-src"] == ["'none'"], path
        assert "blob:" in policy["media-src"], path  # the recording page's Media Source
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert "Strict-Transport-Security" not in headers, path  # plain HTTP
        token_in_url = path.startswith("/join/")
        assert headers["Referrer-Policy"] == ("no-referrer" if token_in_url else "same-origin")


async def test_socketio_websocket_upgrade_carries_them(hub: Hub) -> None:
    url = hub.url.rstrip("/") + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        assert ws._response is not None
        assert ws._response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in ws._response.headers["Content-Security-Policy"]


def test_policy_names_the_websocket_origin_only_for_a_sane_host() -> None:
    connect = _directives(content_security_policy("hub.example.cn:8443"))["connect-src"]
    assert connect == ["'self'", "ws://hub.example.cn:8443", "wss://hub.example.cn:8443"]
    assert _directives(content_security_policy("[::1]:8080"))["connect-src"][1] == "ws://[::1]:8080"
    for hostile in ("evil.example; script-src *", "a b", "", None):
        assert _directives(content_security_policy(hostile))["connect-src"] == ["'self'"]
        assert _directives(content_security_policy(hostile))["script-src"] == ["'self'"]


async def test_hsts_when_serving_tls(
    aiohttp_server: Callable[..., Awaitable[TestServer]], hub_config: Config
) -> None:
    cert, key = ensure_self_signed(hub_config.server.data_dir, ["127.0.0.1"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = await aiohttp_server(build_app(hub_config), ssl=context)
    client_context = ssl.create_default_context(cafile=str(cert))
    client_context.check_hostname = False
    for path in ("/console", "/healthz", "/no/such/page"):
        url = f"https://127.0.0.1:{server.port}{path}"
        _, headers = await _headers(url, ssl=client_context)
        assert headers["Strict-Transport-Security"] == HSTS, path
