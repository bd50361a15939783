"""Pages and their data: /join/<token> (party and mediator room page), its QR code,
and the static files and npm-installed client libraries they load."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from aiohttp import web

from rooms import actions
from rooms.admission import recording_required
from rooms.errors import HubError, RoomEnded, RoomNotFound
from rooms.models import ROOM_ENDED, Invitation
from rooms.tokens import TokenError, verify
from signaling.errors import error_response
from signaling.keys import DATABASE, ROOMS_SETTINGS, SERVER, TOKEN_SECRET
from signaling.rate_limit import RATE_LIMIT, RateLimited

routes = web.RouteTableDef()

STATIC_DIR: web.AppKey[Path] = web.AppKey("static_dir")
NODE_MODULES: web.AppKey[Path] = web.AppKey("node_modules")

_STATUS = {"token_missing": 401, "token_invalid": 401, "token_expired": 410}


def consent_notice(app: web.Application) -> dict[str, str]:
    rooms_config = app[ROOMS_SETTINGS]
    zh, en = rooms_config.consent_notice_zh, rooms_config.consent_notice_en
    return {"zh": zh, "en": en, "sha256": rooms_config.notice_sha256}


def _refuse(exc: HubError) -> web.Response:
    return error_response(exc.status, exc.code, exc.message)


@routes.get("/join/{token}")
async def join_page(request: web.Request) -> web.StreamResponse:
    """The page itself holds no data: it asks /api/v1/join/<token>, which checks the token."""
    response = web.FileResponse(request.app[STATIC_DIR] / "join" / "index.html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


@routes.get("/join")
async def code_page(request: web.Request) -> web.StreamResponse:
    """Enter with the 6-digit code and one's name, instead of a link."""
    return web.FileResponse(request.app[STATIC_DIR] / "join" / "code.html")


@routes.get("/console")
async def console_page(request: web.Request) -> web.StreamResponse:
    """The staff console; its data comes from the authorised /api/v1 routes."""
    response = web.FileResponse(request.app[STATIC_DIR] / "console" / "index.html")
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get("/console/recordings/{recording_id}")
async def recording_page(request: web.Request) -> web.StreamResponse:
    """A recording played back; the page holds no data (the API checks who asks)."""
    response = web.FileResponse(request.app[STATIC_DIR] / "console" / "recording.html")
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get("/admin")
async def admin_page(request: web.Request) -> web.StreamResponse:
    """Administration of the organisation tree and users (data: admin-only API)."""
    response = web.FileResponse(request.app[STATIC_DIR] / "admin" / "index.html")
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get("/api/v1/join/{token}")
async def join_info(request: web.Request) -> web.Response:
    """What the join page shows before connecting; errors say why the link can't be used."""
    try:
        await request.app[RATE_LIMIT].hit("/api/v1/join", request.remote or "?")
    except RateLimited as exc:
        return error_response(429, exc.code, exc.message, {"Retry-After": str(exc.retry_after_s)})
    try:
        token = verify(request.app[TOKEN_SECRET], request.match_info["token"])
    except TokenError as exc:
        return error_response(_STATUS.get(exc.code, 401), exc.code, exc.message)
    async with request.app[DATABASE].session() as db:
        room = await actions.get_room(db, token.room or "")
        if room is None:
            return _refuse(RoomNotFound())
        if room.state == ROOM_ENDED:
            return _refuse(RoomEnded())
        # an invitation link that joining would refuse (as signaling's admission does);
        # someone who already entered may come back (reload, reconnect)
        invitation = await db.get(Invitation, token.inv) if token.inv else None
        if invitation is not None and invitation.revoked_at is not None:
            return error_response(403, "invitation_revoked", "邀请已被撤销 / invitation revoked")
        if (
            invitation is not None
            and invitation.uses >= invitation.max_uses
            and not await actions.has_joined(db, room.id, token.sub)
        ):
            return error_response(403, "invitation_used", "邀请已被使用 / invitation already used")
        required = await recording_required(db, request.app[ROOMS_SETTINGS], room)
    return web.json_response(
        {
            "room": {"id": room.id, "name": room.name, "state": room.state},
            "name": token.name,
            "role": token.role,
            "expiresAt": token.exp,
            "consent": consent_notice(request.app),
            "recordingRequired": required,
        },
        headers={"Cache-Control": "no-store"},
    )


@routes.get("/join/{token}/qr.png")
async def join_qr(request: web.Request) -> web.Response:
    """A QR code of the join link, for the mediator's screen or a printout."""
    raw = request.match_info["token"]
    try:
        verify(request.app[TOKEN_SECRET], raw)
    except TokenError as exc:
        return error_response(_STATUS.get(exc.code, 401), exc.code, exc.message)
    url = f"{request.app[SERVER].base_url}/join/{raw}"
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    return web.Response(
        body=buffer.getvalue(), content_type="image/png", headers={"Cache-Control": "no-store"}
    )


# npm-installed browser libraries the pages load: URL -> file under web/node_modules
VENDOR = {
    # an ES module: `import { io } from "/vendor/socket.io.esm.min.js"`
    "/vendor/socket.io.esm.min.js": "socket.io-client/dist/socket.io.esm.min.js",
    "/vendor/socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
}


async def vendor_file(request: web.Request) -> web.FileResponse:
    path = request.app[NODE_MODULES] / VENDOR[request.path]
    if not path.exists():
        raise web.HTTPServiceUnavailable(
            text="front-end packages are not installed: run `make web-deps` (npm ci in web/)"
        )
    return web.FileResponse(path, headers={"Content-Type": "text/javascript; charset=utf-8"})


async def _revalidate_code(request: web.Request, response: web.StreamResponse) -> None:
    """Pages load many small modules, unbundled: a browser must not run one old module
    with new ones after an upgrade, so it revalidates each (a 304 when unchanged)."""
    if request.path.startswith(("/static/", "/vendor/")):
        response.headers.setdefault("Cache-Control", "no-cache")


def setup(app: web.Application, *, static_dir: Path, node_modules: Path) -> None:
    app[STATIC_DIR] = static_dir
    app[NODE_MODULES] = node_modules
    app.on_response_prepare.append(_revalidate_code)
    app.add_routes(routes)
    for url in VENDOR:
        app.router.add_get(url, vendor_file)
    app.router.add_static("/static/", static_dir, follow_symlinks=False)
