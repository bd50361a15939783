"""The join page's routes: the page, what it asks before connecting, its QR code, the
static files and the npm-installed socket.io client."""

from __future__ import annotations

import hashlib
import json

import aiohttp

from rooms import actions, domain
from signaling.keys import DATABASE, ROOMS_SETTINGS, TOKEN_SECRET
from tests.signaling.conftest import Hub


async def _get(hub: Hub, path: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as http, http.get(hub.url.rstrip("/") + path) as r:
        return r.status, r.headers.get("Content-Type", ""), await r.read()


async def test_join_info_for_a_good_link(hub: Hub) -> None:
    room = await hub.room("邻里纠纷调解")
    token = hub.token(room, name="张三")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{hub.url}api/v1/join/{token}") as r:
            assert r.status == 200
            assert r.headers["Cache-Control"] == "no-store"
            body = await r.json()
    assert body["room"] == {"id": room, "name": "邻里纠纷调解", "state": "open"}
    assert body["role"] == "party" and body["name"] == "张三"
    rooms_config = hub.app[ROOMS_SETTINGS]
    notice = f"{rooms_config.consent_notice_zh}\n{rooms_config.consent_notice_en}"
    assert body["consent"]["zh"] == rooms_config.consent_notice_zh
    assert body["consent"]["sha256"] == hashlib.sha256(notice.encode()).hexdigest()


async def test_join_info_refusals(hub: Hub) -> None:
    room = await hub.room()
    cases = {
        hub.token(room, ttl_s=-60): (410, "token_expired"),
        hub.token("f" * 32): (404, "room_not_found"),
        "not-a-token": (401, "token_invalid"),
    }
    for token, (status, code) in cases.items():
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{hub.url}api/v1/join/{token}") as r:
                assert r.status == status, token
                assert (await r.json())["error"]["code"] == code

    async with hub.app[DATABASE].transaction() as db:
        stored = await actions.get_room(db, room)
        assert stored is not None
        await actions.do_end_room(db, stored, actor="test")
    status, _, body = await _get(hub, f"/api/v1/join/{hub.token(room)}")
    assert status == 410 and b"room_ended" in body


async def test_page_static_files_and_socketio_client(hub: Hub) -> None:
    token = hub.token(await hub.room())
    status, kind, body = await _get(hub, f"/join/{token}")
    assert status == 200 and kind.startswith("text/html")
    assert b'data-testid="join"' in body
    for path in ("/static/lib/i18n.js", "/static/join/room.js", "/static/join/room.css"):
        assert (await _get(hub, path))[0] == 200, path
    # module scripts need a JavaScript MIME type (nosniff is on), and are revalidated:
    # an upgrade never leaves a browser running old modules with new ones
    async with aiohttp.ClientSession() as http:
        async with http.get(hub.url + "static/lib/peers.js") as r:
            kind = r.headers["Content-Type"]
            assert r.headers["Cache-Control"] == "no-cache"
            etag = r.headers["ETag"]
        async with http.get(hub.url + "static/lib/peers.js", headers={"If-None-Match": etag}) as r:
            assert r.status == 304
    assert kind.startswith(("text/javascript", "application/javascript")), kind
    status, _, body = await _get(hub, "/vendor/socket.io.min.js")
    assert status == 200 and b"socket.io" in body.lower()
    status, kind, body = await _get(hub, "/vendor/socket.io.esm.min.js")
    assert status == 200 and kind.startswith("text/javascript")
    assert b"export{" in body and b" as io" in body  # an ES module exporting io
    assert (await _get(hub, "/static/../hub/config.py"))[0] in (403, 404)


async def test_qr_code_of_the_join_link(hub: Hub) -> None:
    token = hub.token(await hub.room())
    status, kind, body = await _get(hub, f"/join/{token}/qr.png")
    assert status == 200 and kind == "image/png"
    assert body.startswith(b"\x89PNG\r\n\x1a\n")
    assert (await _get(hub, "/join/not-a-token/qr.png"))[0] == 401


async def test_used_and_revoked_invitations_are_refused_before_connecting(hub: Hub) -> None:
    room_id = await hub.room()
    async with hub.app[DATABASE].transaction() as db:
        room = await actions.get_room(db, room_id)
        assert room is not None
        used = await domain.do_create_invitation(
            db, room, name="张三", role="party", ttl_s=600, inviter=None
        )
        revoked = await domain.do_create_invitation(
            db, room, name="李四", role="party", ttl_s=600, inviter=None
        )
        fresh = await domain.do_create_invitation(
            db, room, name="王五", role="party", ttl_s=600, inviter=None
        )
        await domain.do_redeem_invitation(db, used.id)
        await domain.do_revoke_invitation(db, revoked, actor="test")
    secret = hub.app[TOKEN_SECRET]
    cases = {
        domain.invitation_token(secret, used): (403, "invitation_used"),
        domain.invitation_token(secret, revoked): (403, "invitation_revoked"),
        domain.invitation_token(secret, fresh): (200, None),
    }
    for token, (status, code) in cases.items():
        got, _, body = await _get(hub, f"/api/v1/join/{token}")
        answer = json.loads(body)
        assert got == status, answer
        if code:
            assert answer["error"]["code"] == code
        else:
            assert answer["name"] == "王五"
