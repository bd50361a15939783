"""Pages and their data: /join/<token> (party and mediator room page), its QR code,
and the static files and npm-installed client libraries they load."""

from __future__ import annotations

import io
import json
from pathlib import Path

import segno
from aiohttp import web

from rooms import actions, domain
from rooms.admission import recording_required
from rooms.errors import HubError, RoomEnded, RoomNotFound
from rooms.models import ROOM_ENDED, Invitation
from rooms.tokens import TokenError, verify
from signaling.api.accounts import code_attempt_allowed_at, code_attempt_failed_at
from signaling.errors import error_response
from signaling.keys import DATABASE, ROOMS_SETTINGS, SERVER, TOKEN_SECRET
from signaling.rate_limit import RATE_LIMIT, RateLimited
from signaling.security_headers import content_security_policy
from signaling.staff_shell import IMPORT_MAP, STAFF_SHELL, VENDOR_CACHE, StaffShell, VendorCache

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


@routes.get("/")
async def home_page(request: web.Request) -> web.StreamResponse:
    """Two ways in: a party enters a code, staff log in to the console."""
    return web.FileResponse(request.app[STATIC_DIR] / "home" / "index.html")


@routes.get("/console")
@routes.get("/console/{view:.+}")
@routes.get("/admin")
@routes.get("/admin/{view:.+}")
@routes.get("/command")
@routes.get("/dashboard")
async def staff_page(request: web.Request) -> web.StreamResponse:
    """The staff shell (console and administration in one page, which routes by URL:
    /console/cases/<id>, /console/recordings/<id>, /admin, /dashboard ...). The page holds no
    data: it comes from the authorised /api/v1 routes."""
    page = request.app[STAFF_SHELL].page(request.app[STATIC_DIR] / "console" / "index.html")
    return web.Response(
        text=page.html,
        content_type="text/html",
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": content_security_policy(
                request.host, script_hashes=(page.import_map_hash,)
            ),
        },
    )


@routes.get("/j/{code}")
@routes.get("/J/{code}")
async def short_link_page(request: web.Request) -> web.StreamResponse:
    """A short invitation link: the same page; it asks /api/v1/j/<code>."""
    return await join_page(request)


@routes.get("/api/v1/j/{code}")
async def short_link_info(request: web.Request) -> web.Response:
    """What a short link opens: the join page's data and, in the body (never in a
    URL), the invitation's access token for the room's socket."""
    code, address = request.match_info["code"], request.remote or "?"
    try:
        await code_attempt_allowed_at(request.app, address, code[:16])
    except RateLimited as exc:
        return error_response(429, exc.code, exc.message, {"Retry-After": str(exc.retry_after_s)})
    async with request.app[DATABASE].session() as db:
        try:
            invitation = await domain.find_invitation_by_short_code(db, code)
        except HubError as exc:
            await code_attempt_failed_at(request.app, address, code[:16])
            return _refuse(exc)
        token = domain.invitation_token(request.app[TOKEN_SECRET], invitation)
    response = await join_info_for(request, token)
    if response.status != 200:
        return response
    data = json.loads(response.body)  # type: ignore[arg-type]
    return web.json_response({**data, "token": token}, headers={"Cache-Control": "no-store"})


@routes.get("/wall/{wall_id}/screen/{number:[0-9]{1,3}}")
async def wall_screen_page(request: web.Request) -> web.StreamResponse:
    """A wall screen (kiosk): the page holds no data; its screen credential (in the
    URL's fragment, never sent here) opens the /wall socket.io namespace."""
    response = web.FileResponse(request.app[STATIC_DIR] / "wall" / "screen.html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@routes.get("/office")
async def office_page(request: web.Request) -> web.StreamResponse:
    """An office's duty page: it rings when the command center calls (data: /wall)."""
    response = web.FileResponse(request.app[STATIC_DIR] / "office" / "index.html")
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get("/api/v1/join/{token}")
async def join_info(request: web.Request) -> web.Response:
    """What the join page shows before connecting; errors say why the link can't be used."""
    return await join_info_for(request, request.match_info["token"])


async def join_info_for(request: web.Request, raw: str) -> web.Response:
    try:
        await request.app[RATE_LIMIT].hit("/api/v1/join", request.remote or "?")
    except RateLimited as exc:
        return error_response(429, exc.code, exc.message, {"Retry-After": str(exc.retry_after_s)})
    try:
        token = verify(request.app[TOKEN_SECRET], raw)
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
    # the staff shell: Vue's runtime-only build (no template compiler, so no eval) and
    # Element Plus, whose one bare import ("vue") the shell's import map resolves
    "/vendor/vue.runtime.esm-browser.prod.js": "vue/dist/vue.runtime.esm-browser.prod.js",
    "/vendor/element-plus.mjs": "element-plus/dist/index.full.min.mjs",
    "/vendor/element-plus.css": "element-plus/dist/index.css",
    "/vendor/element-plus-zh-cn.mjs": "element-plus/dist/locale/zh-cn.min.mjs",
    "/vendor/element-plus-en.mjs": "element-plus/dist/locale/en.min.mjs",
    # the statistics screen's charts: ECharts' ES module build (no eval: CSP holds)
    "/vendor/echarts.esm.min.mjs": "echarts/dist/echarts.esm.min.mjs",
}


async def vendor_file(request: web.Request) -> web.StreamResponse:
    path = request.app[NODE_MODULES] / VENDOR[request.path]
    if not path.exists():
        raise web.HTTPServiceUnavailable(
            text="front-end packages are not installed: run `make web-deps` (npm ci in web/)"
        )
    return await request.app[VENDOR_CACHE].respond(request, path)


async def _revalidate_code(request: web.Request, response: web.StreamResponse) -> None:
    """Pages load many small modules, unbundled: a browser must not run one old module
    with new ones after an upgrade, so it revalidates each (a 304 when unchanged)."""
    if request.path.startswith(("/static/", "/vendor/")):
        response.headers.setdefault("Cache-Control", "no-cache")


def setup(app: web.Application, *, static_dir: Path, node_modules: Path) -> None:
    app[STATIC_DIR] = static_dir
    app[NODE_MODULES] = node_modules
    app[STAFF_SHELL] = StaffShell(IMPORT_MAP)
    app[VENDOR_CACHE] = VendorCache()
    app.on_response_prepare.append(_revalidate_code)
    app.add_routes(routes)
    for url in VENDOR:
        app.router.add_get(url, vendor_file)
    app.router.add_static("/static/", static_dir, follow_symlinks=False)
