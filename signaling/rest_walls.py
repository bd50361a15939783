"""REST handlers for the command center's walls: create and list walls, lay out a
screen, put a source on a tile, swap, enlarge, clear, tours, presets, screen
credentials. Routes are listed in signaling.rest.ROUTES.

Each write is its own unit of work (command_center.walls, audited); once it has
committed, the wall's screens and operators hear `wall-changed` on the /wall
namespace (signaling.wall_namespace), on every node."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from command_center import alarms, presets, walls
from command_center.layouts import parse_layout
from command_center.live_tree import live_tree
from command_center.screen_credentials import (
    do_issue_screen_credential,
    do_revoke_screen_credential,
    hash_secret,
    new_secret,
    screen_url,
)
from command_center.walls import TOUR
from rooms import domain, policy
from rooms.domain import DomainError
from rooms.models import Wall, WallScreen
from rooms.policy import Subject
from signaling.decoder import BadInput, body, integer, text
from signaling.keys import ALARMS, CONFIG, DATABASE, LIVE_ROOMS, WALL_NAMESPACE
from signaling.rest_rooms import iso

T = TypeVar("T")
API = "/api/v1"
Handler = Callable[[web.Request, AsyncSession, Subject | None], Awaitable[web.StreamResponse]]


def screen_json(screen: WallScreen, base_url: str, wall_id: str) -> dict[str, Any]:
    return {
        "number": screen.number,
        "layout": parse_layout(screen.layout).as_dict(),
        "tiles": screen.tiles,
        "enlarged": screen.enlarged,
        "url": screen_url(base_url, wall_id, screen.number),
        "credential": screen.credential_hash is not None,
        "credentialAt": iso(screen.credential_at),
    }


def wall_json(wall: Wall) -> dict[str, Any]:
    return {
        "alarmRule": wall.alarm_rule,
        "id": wall.id,
        "name": wall.name,
        "organisationId": wall.organisation_id,
        "version": wall.version,
        "createdAt": iso(wall.created_at),
    }


def _number(request: web.Request, key: str) -> int:
    raw = request.match_info[key]
    if not raw.isdigit() or len(raw) > 3:
        raise BadInput(f"{key} 须为数字 / {key} must be a number")
    return int(raw)


async def _write(request: web.Request, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` as a unit of work, then tell the wall's screens and operators."""
    result = await request.app[DATABASE].run(work)
    wall_id = request.match_info.get("wall_id")
    if wall_id:
        async with request.app[DATABASE].session() as s:
            wall = await s.get(Wall, wall_id)
        if wall is not None:
            await request.app[WALL_NAMESPACE].wall_changed(wall.id, wall.version)
    return result


async def _wall(
    s: AsyncSession, who: Subject, request: web.Request, action: str = policy.WALL_MANAGE
) -> tuple[Wall, str]:
    return await walls.access_wall_by_id(
        s, who, request.match_info["wall_id"], action, for_update=action != policy.WALL_VIEW
    )


async def wall_details(s: AsyncSession, wall: Wall, base_url: str) -> dict[str, Any]:
    return {
        **wall_json(wall),
        "screens": [screen_json(x, base_url, wall.id) for x in await walls.screens_of(s, wall)],
        "presets": [presets.preset_json(p) for p in await presets.list_presets(s, wall)],
    }


# -- handlers ----------------------------------------------------------------------------
async def list_walls(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    return web.json_response([wall_json(w) for w, _ in await walls.list_walls(s, who)])


async def create_wall(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Body {name, screens, layout?, organisationId?}; answers each screen's URL
    with its credential, once."""
    assert who is not None
    data = await body(request)
    name = text(data, "name", max_len=100)
    count = integer(data, "screens", default=1, low=1, high=walls.MAX_SCREENS)
    layout = text(data, "layout", max_len=200, required=False) or "2x2"
    org_id = text(data, "organisationId", max_len=32, required=False)
    secrets_ = [new_secret() for _ in range(count)]
    base_url = request.app[CONFIG].base_url

    async def work(tx: AsyncSession) -> dict[str, Any]:
        org = await domain.access_organisation_by_id(
            tx, who, org_id or await _own_org(tx, who), policy.WALL_MANAGE
        )
        wall, _ = await walls.do_create_wall(
            tx,
            who,
            name=name,
            organisation=org,
            screens=count,
            layout=layout,
            credential_hashes=[hash_secret(x) for x in secrets_],
            ip=request.remote,
        )
        answer = await wall_details(tx, wall, base_url)
        for entry, secret in zip(answer["screens"], secrets_, strict=True):
            entry["url"] = screen_url(base_url, wall.id, entry["number"], secret)
        return answer

    return web.json_response(await request.app[DATABASE].run(work), status=201)


async def _own_org(s: AsyncSession, who: Subject) -> str:
    from sqlalchemy import select

    from rooms.models import Organisation

    org_id = await s.scalar(select(Organisation.id).where(Organisation.path == who.org_path))
    if org_id is None:
        raise DomainError("forbidden", "没有所属机构 / no organisation of yours", 403)
    return str(org_id)


async def get_wall(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    wall, _ = await _wall(s, who, request, policy.WALL_VIEW)
    return web.json_response(await wall_details(s, wall, request.app[CONFIG].base_url))


async def delete_wall(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None

    async def work(tx: AsyncSession) -> None:
        wall, path = await _wall(tx, who, request)
        await walls.do_delete_wall(tx, who, wall, path, ip=request.remote)

    await request.app[DATABASE].run(work)
    await request.app[WALL_NAMESPACE].wall_changed(request.match_info["wall_id"], 0)
    return web.json_response({"deleted": request.match_info["wall_id"]})


def _screen_write(
    change: Callable[
        [AsyncSession, Subject, Wall, str, WallScreen, dict[str, Any]], Awaitable[Any]
    ],
) -> Callable[[web.Request, AsyncSession, Subject | None], Awaitable[web.Response]]:
    """A handler that changes one screen: load, authorise, change, answer the screen."""

    async def handler(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
        assert who is not None
        data = await body(request) if request.can_read_body else {}
        number = _number(request, "number")
        base_url = request.app[CONFIG].base_url

        async def work(tx: AsyncSession) -> dict[str, Any]:
            wall, path = await _wall(tx, who, request)
            screen = await walls.screen_of(tx, wall, number)
            await change(tx, who, wall, path, screen, data)
            return screen_json(screen, base_url, wall.id)

        return web.json_response(await _write(request, work))

    return handler


async def _set_layout(
    tx: AsyncSession, who: Subject, wall: Wall, path: str, screen: WallScreen, data: dict[str, Any]
) -> None:
    layout = text(data, "layout", max_len=200)
    await walls.do_set_layout(tx, who, wall, path, screen, layout)


async def _enlarge(
    tx: AsyncSession, who: Subject, wall: Wall, path: str, screen: WallScreen, data: dict[str, Any]
) -> None:
    tile = data.get("tile")
    if tile is not None and (isinstance(tile, bool) or not isinstance(tile, int)):
        raise BadInput("tile 须为画面编号或 null / tile must be a number or null")
    await walls.do_enlarge_tile(tx, who, wall, path, screen, tile)


async def _screen_tour(
    tx: AsyncSession, who: Subject, wall: Wall, path: str, screen: WallScreen, data: dict[str, Any]
) -> None:
    if data.get("items") is None:
        await walls.do_set_screen_tour(tx, who, wall, path, screen, None)
        return
    tour = await walls.check_tour(tx, who, path, data.get("items"), data.get("dwellS"))
    await walls.do_set_screen_tour(tx, who, wall, path, screen, tour)


async def _tour_control(
    tx: AsyncSession, who: Subject, wall: Wall, path: str, screen: WallScreen, data: dict[str, Any]
) -> None:
    action = text(data, "action", max_len=16)
    tile = data.get("tile")
    if tile is not None and (isinstance(tile, bool) or not isinstance(tile, int)):
        raise BadInput("tile 须为画面编号或 null / tile must be a number or null")
    await walls.do_control_tour(tx, who, wall, path, screen, tile, action)


set_layout = _screen_write(_set_layout)
enlarge_tile = _screen_write(_enlarge)
set_screen_tour = _screen_write(_screen_tour)
control_tour = _screen_write(_tour_control)


async def put_tile(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Body {kind: room|participant|camera, roomId?, participantId?, cameraId?} or
    {kind: tour, items: [...], dwellS}."""
    assert who is not None
    tile = _number(request, "tile")

    async def change(
        tx: AsyncSession,
        who: Subject,
        wall: Wall,
        path: str,
        screen: WallScreen,
        data: dict[str, Any],
    ) -> None:
        if data.get("kind") == TOUR:
            tour = await walls.check_tour(tx, who, path, data.get("items"), data.get("dwellS"))
            content = {"kind": TOUR, **tour.as_dict()}
        else:
            content = await walls.check_source(tx, who, path, data)
        await walls.do_put_tile(tx, who, wall, path, screen, tile, content)

    return await _screen_write(change)(request, s, who)


async def clear_tile(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    tile = _number(request, "tile")

    async def change(
        tx: AsyncSession,
        who: Subject,
        wall: Wall,
        path: str,
        screen: WallScreen,
        data: dict[str, Any],
    ) -> None:
        await walls.do_clear_tile(tx, who, wall, path, screen, tile)

    return await _screen_write(change)(request, s, who)


def _place(data: dict[str, Any], key: str) -> tuple[int, int]:
    place = data.get(key)
    if not isinstance(place, dict):
        raise BadInput(f"{key} 须为 {{screen, tile}} / {key} must be {{screen, tile}}")
    return (
        integer(place, "screen", default=0, low=1, high=999),
        integer(place, "tile", default=0, low=1, high=999),
    )


async def swap_tiles(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Body {from: {screen, tile}, to: {screen, tile}}: exchange (or move to an empty tile)."""
    assert who is not None
    data = await body(request)
    (sa, ta), (sb, tb) = _place(data, "from"), _place(data, "to")

    async def work(tx: AsyncSession) -> dict[str, Any]:
        wall, path = await _wall(tx, who, request)
        first = await walls.screen_of(tx, wall, sa)
        second = first if sb == sa else await walls.screen_of(tx, wall, sb)
        await walls.do_swap_tiles(tx, who, wall, path, (first, ta), (second, tb), ip=request.remote)
        return {"version": wall.version}

    return web.json_response(await _write(request, work))


async def save_preset(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    name = text(data, "name", max_len=100)

    async def work(tx: AsyncSession) -> dict[str, Any]:
        wall, path = await _wall(tx, who, request)
        preset = await presets.do_save_preset(tx, who, wall, path, name, ip=request.remote)
        return presets.preset_json(preset)

    return web.json_response(await _write(request, work), status=201)


async def apply_preset(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None

    async def work(tx: AsyncSession) -> dict[str, Any]:
        wall, path = await _wall(tx, who, request)
        preset = await presets.access_preset(tx, wall, request.match_info["preset_id"])
        await presets.do_apply_preset(tx, who, wall, path, preset, ip=request.remote)
        return {"version": wall.version}

    return web.json_response(await _write(request, work))


async def delete_preset(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None

    async def work(tx: AsyncSession) -> dict[str, Any]:
        wall, path = await _wall(tx, who, request)
        preset = await presets.access_preset(tx, wall, request.match_info["preset_id"])
        await presets.do_delete_preset(tx, who, wall, path, preset, ip=request.remote)
        return {"deleted": preset.id}

    return web.json_response(await request.app[DATABASE].run(work))


async def issue_credential(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    """A new screen credential (the old one stops working at once): the URL with it, once."""
    assert who is not None
    number = _number(request, "number")
    base_url = request.app[CONFIG].base_url

    async def work(tx: AsyncSession) -> dict[str, Any]:
        wall, path = await _wall(tx, who, request, policy.WALL_CREDENTIAL)
        screen = await walls.screen_of(tx, wall, number)
        secret = await do_issue_screen_credential(tx, who, wall, path, screen, ip=request.remote)
        return {"number": number, "url": screen_url(base_url, wall.id, number, secret)}

    return web.json_response(await _write(request, work), status=201)


async def revoke_credential(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    assert who is not None
    number = _number(request, "number")

    async def work(tx: AsyncSession) -> dict[str, Any]:
        wall, path = await _wall(tx, who, request, policy.WALL_CREDENTIAL)
        screen = await walls.screen_of(tx, wall, number)
        await do_revoke_screen_credential(tx, who, wall, path, screen, ip=request.remote)
        return {"number": number, "credential": False}

    return web.json_response(await _write(request, work))


async def command_tree(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    return web.json_response(await live_tree(s, who, request.app[LIVE_ROOMS]))


async def list_alarms(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Open alarms of my subtree (`?all=1`: the recent ones too)."""
    assert who is not None
    found = await alarms.list_alarms(s, who, open_only=request.query.get("all") != "1")
    return web.json_response([alarms.alarm_json(a) for a in found])


async def ack_alarm(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None

    async def work(tx: AsyncSession) -> tuple[Any, str | None]:
        alarm = await alarms.access_alarm_by_id(tx, who, request.match_info["alarm_id"])
        await alarms.do_ack_alarm(tx, who, alarm, ip=request.remote)
        return alarm, await domain.org_path(tx, alarm.organisation_id)

    alarm, path = await request.app[DATABASE].run(work)
    await request.app[ALARMS].acknowledged(alarm, path)
    return web.json_response(alarms.alarm_json(alarm))


async def set_alarm_rule(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    """Body {rule: {screen, tile, minLevel} | null}: where an alarming room goes."""
    assert who is not None
    data = await body(request)
    rule = data.get("rule")
    if rule is not None and not isinstance(rule, dict):
        raise BadInput("rule 须为对象或 null / rule must be an object or null")
    levels = list(request.app[CONFIG].rooms.severity_levels)

    async def work(tx: AsyncSession) -> dict[str, Any]:
        wall, path = await _wall(tx, who, request)
        await alarms.do_set_alarm_rule(tx, who, wall, path, rule, levels, ip=request.remote)
        return {"alarmRule": wall.alarm_rule, "version": wall.version}

    return web.json_response(await _write(request, work))


WALL = f"{API}/walls/{{wall_id}}"
SCREEN = f"{WALL}/screens/{{number}}"
# (method, path, summary, handler): signaling.rest.ROUTES takes them in
ROUTES: tuple[tuple[str, str, str, Handler], ...] = (
    (
        "GET",
        f"{API}/command/tree",
        "指挥中心实时树：机构、调解室、参与者 / live tree of my subtree",
        command_tree,
    ),
    ("GET", f"{API}/walls", "本辖区电视墙 / walls of my subtree", list_walls),
    (
        "POST",
        f"{API}/walls",
        "新建电视墙（返回各屏地址与凭证）/ create a wall (screen URLs with credentials)",
        create_wall,
    ),
    ("GET", WALL, "电视墙及其屏幕、预案 / a wall, its screens and presets", get_wall),
    ("DELETE", WALL, "删除电视墙 / delete a wall", delete_wall),
    ("PUT", f"{SCREEN}/layout", "屏幕布局 / a screen's layout", set_layout),
    (
        "PUT",
        f"{SCREEN}/tiles/{{tile}}",
        "上墙：调解室、参与者、摄像头或轮巡 / put a source or a tour on a tile",
        put_tile,
    ),
    ("DELETE", f"{SCREEN}/tiles/{{tile}}", "清空画面 / clear a tile", clear_tile),
    ("PUT", f"{SCREEN}/enlarged", "放大画面 / enlarge a tile (or not)", enlarge_tile),
    ("PUT", f"{SCREEN}/tour", "整屏轮巡 / tour of the whole screen", set_screen_tour),
    ("POST", f"{SCREEN}/tour-control", "暂停或继续轮巡 / pause or resume a tour", control_tour),
    ("POST", f"{WALL}/swap", "交换或移动画面 / swap or move tiles", swap_tiles),
    ("POST", f"{WALL}/presets", "保存预案 / save a preset", save_preset),
    ("POST", f"{WALL}/presets/{{preset_id}}/apply", "调用预案 / apply a preset", apply_preset),
    ("DELETE", f"{WALL}/presets/{{preset_id}}", "删除预案 / delete a preset", delete_preset),
    (
        "POST",
        f"{SCREEN}/credential",
        "重新签发屏幕凭证（旧凭证失效）/ issue a new screen credential",
        issue_credential,
    ),
    (
        "DELETE",
        f"{SCREEN}/credential",
        "撤销屏幕凭证 / revoke a screen credential",
        revoke_credential,
    ),
    ("PUT", f"{WALL}/alarm-rule", "告警上墙规则 / where a room with an alarm goes", set_alarm_rule),
    ("GET", f"{API}/alarms", "本辖区告警 / alarms of my subtree", list_alarms),
    ("POST", f"{API}/alarms/{{alarm_id}}/ack", "确认告警 / acknowledge an alarm", ack_alarm),
)
