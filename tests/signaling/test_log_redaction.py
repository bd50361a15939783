"""Join tokens and short-link codes never reach the access log."""

from __future__ import annotations

import logging

import aiohttp
import pytest
from aiohttp import web

from signaling.log_redaction import RedactingAccessLogger, redact
from tests.services import free_port

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbnYtMSJ9.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("raw", "logged"),
    [
        (f"/join/{TOKEN}", "/join/…"),
        (f"/join/{TOKEN}/qr.png", "/join/…/qr.png"),
        (f"/api/v1/join/{TOKEN}", "/api/v1/join/…"),
        ("/j/7K3M9QX2PA", "/j/…"),
        ("/J/7K3M9QX2PA", "/J/…"),
        ("/api/v1/j/7K3M9QX2PA?x=1", "/api/v1/j/…?x=1"),
        (f"GET /join/{TOKEN} HTTP/1.1", "GET /join/… HTTP/1.1"),
        (f"https://hub.example.cn/join/{TOKEN}", "https://hub.example.cn/join/…"),
        ("/join", "/join"),
        ("/api/v1/join-code", "/api/v1/join-code"),
        ("/console", "/console"),
    ],
)
def test_redact(raw: str, logged: str) -> None:
    assert redact(raw) == logged


async def test_the_access_log_of_a_real_server_has_no_credentials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = web.Application()

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/join/{token}", ok)
    app.router.add_get("/j/{code}", ok)
    logger = logging.getLogger("test.access")
    caplog.set_level(logging.INFO, logger="test.access")
    runner = web.AppRunner(app, access_log=logger, access_log_class=RedactingAccessLogger)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{port}"
            referer = {"Referer": f"http://x/join/{TOKEN}"}
            async with http.get(f"{base}/join/{TOKEN}", headers=referer) as response:
                assert response.status == 200
            async with http.get(f"{base}/j/7K3M9QX2PA") as response:
                assert response.status == 200
    finally:
        await runner.cleanup()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/join/…" in text and "/j/…" in text
    assert TOKEN not in text and "7K3M9QX2PA" not in text
