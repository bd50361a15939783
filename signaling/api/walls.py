"""The command center's walls: create and list walls, lay out a screen, put a source
on a tile, swap, enlarge, clear, tours, presets, screen credentials, and the live
tree operators pick sources from.

Each write is its own unit of work (command_center.walls, audited); once it has
committed, the wall's screens and operators hear `wall-changed` on the /wall
namespace (signaling.wall_namespace), on every node."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import ConfigDict, Field, RootModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command_center import presets, walls
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
from rooms.models import Organisation, Wall, WallScreen
from rooms.policy import Subject
from signaling.api.routing import API, Ctx, Route, iso
from signaling.decoder import BadInput
from signaling.keys import DATABASE, LIVE_ROOMS, RECORDINGS, SERVER, WALL_NAMESPACE
from signaling.models import Body, Id, NoBody, NoQuery, Text16, Text32, Text100, Text200, Wire

T = TypeVar("T")
Number = Field(ge=1, le=999)


# -- requests ------------------------------------------------------------------------------
class WallBody(Body):
    name: Text100
    screens: int = Field(1, ge=1, le=walls.MAX_SCREENS)
    layout: Text200 = "2x2"
    organisation_id: Text32 | None = None  # default: the caller's own organisation


class LayoutBody(Body):
    layout: Text200  # 1, 2x2, 1+5, 3x3, 4x4, RxC or a custom layout (docs/command-center.md)


class TileBody(Body):
    """What a tile shows: a room, one participant, a camera, or a tour of those."""

    kind: str = Field(pattern="^(room|participant|camera|tour)$")
    room_id: Id | None = None
    participant_id: Id | None = None
    camera_id: Id | None = None
    items: list[dict[str, Any]] | None = Field(None, max_length=64)  # a tour's sources
    dwell_s: float | None = None  # a tour's time per source


class EnlargeBody(Body):
    tile: int | None = Field(None, ge=1, le=999)  # null: none enlarged


class TourBody(Body):
    """A tour of the whole screen (items null: no tour)."""

    items: list[dict[str, Any]] | None = Field(None, max_length=64)
    dwell_s: float | None = None


class TourControlBody(Body):
    action: Text16  # pause | resume
    tile: int | None = Field(None, ge=1, le=999)  # null: the screen's tour


class Place(Body):
    screen: int = Number
    tile: int = Number


class SwapBody(Body):
    from_: Place = Field(alias="from")
    to: Place


class PresetBody(Body):
    name: Text100


# -- answers -------------------------------------------------------------------------------
class ScreenOut(Wire):
    number: int
    layout: dict[str, Any]
    tiles: dict[str, Any]  # tile number -> what it shows
    enlarged: int | None
    url: str  # with the credential only in create's answer
    credential: bool
    credential_at: str | None


class WallOut(Wire):
    id: str
    name: str
    organisation_id: str | None
    version: int
    alarm_rule: dict[str, Any] | None
    created_at: str | None


class WallList(RootModel[list[WallOut]]):
    pass


class PresetOut(Wire):
    id: str
    name: str
    screens: Any  # each screen's layout and tiles as saved


class WallDetail(WallOut):
    screens: list[ScreenOut]
    presets: list[PresetOut]


class DeletedOut(Wire):
    deleted: str


class VersionOut(Wire):
    version: int


class CredentialIssued(Wire):
    number: int
    url: str  # the screen's URL with its new credential (shown once)


class CredentialRevoked(Wire):
    number: int
    credential: bool


class LiveTree(Wire):
    """Organisations of my subtree with their rooms (live ones with who is in them)."""

    model_config = ConfigDict(extra="allow")

    organisations: list[dict[str, Any]]
    unowned: list[dict[str, Any]]


# -- helpers -------------------------------------------------------------------------------
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


async def wall_details(s: AsyncSession, wall: Wall, base_url: str) -> dict[str, Any]:
    return {
        **wall_json(wall),
        "screens": [screen_json(x, base_url, wall.id) for x in await walls.screens_of(s, wall)],
        "presets": [presets.preset_json(p) for p in await presets.list_presets(s, wall)],
    }


def number(ctx: Ctx[Any, Any], key: str) -> int:
    raw = ctx.param(key)
    if not raw.isdigit() or len(raw) > 3:
        raise BadInput(f"{key} 须为数字 / {key} must be a number")
    return int(raw)


async def access_wall(
    s: AsyncSession, who: Subject, ctx: Ctx[Any, Any], action: str = policy.WALL_MANAGE
) -> tuple[Wall, str]:
    return await walls.access_wall_by_id(
        s, who, ctx.param("wall_id"), action, for_update=action != policy.WALL_VIEW
    )


async def write(ctx: Ctx[Any, Any], work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` as a unit of work, then tell the wall's screens and operators."""
    await ctx.session.commit()  # ends the read: the write is its own unit of work
    result = await ctx.app[DATABASE].run(work)
    wall_id = ctx.request.match_info.get("wall_id")
    if wall_id:
        async with ctx.app[DATABASE].session() as s:
            wall = await s.get(Wall, wall_id)
        if wall is not None:
            await ctx.app[WALL_NAMESPACE].wall_changed(wall.id, wall.version)
    return result


async def own_org(s: AsyncSession, who: Subject) -> str:
    org_id = await s.scalar(select(Organisation.id).where(Organisation.path == who.org_path))
    if org_id is None:
        raise DomainError("forbidden", "没有所属机构 / no organisation of yours", 403)
    return str(org_id)


ScreenChange = Callable[[AsyncSession, Subject, Wall, str, WallScreen], Awaitable[Any]]


async def change_screen(ctx: Ctx[Any, Any], change: ScreenChange) -> ScreenOut:
    """Load, authorise, change one screen, answer it."""
    who, screen_number, base_url = ctx.who, number(ctx, "number"), ctx.app[SERVER].base_url

    async def work(tx: AsyncSession) -> dict[str, Any]:
        wall, path = await access_wall(tx, who, ctx)
        screen = await walls.screen_of(tx, wall, screen_number)
        await change(tx, who, wall, path, screen)
        return screen_json(screen, base_url, wall.id)

    return ScreenOut.model_validate(await write(ctx, work))


# -- handlers ------------------------------------------------------------------------------
async def command_tree(ctx: Ctx[NoBody, NoQuery]) -> LiveTree:
    tree = await live_tree(ctx.session, ctx.who, ctx.app[LIVE_ROOMS])
    recordings = ctx.app[RECORDINGS]  # 录制中 on this node (as the screens' labels)
    for org in tree["organisations"]:
        for room in org["rooms"]:
            room["recording"] = recordings.state(room["id"]).active
    for room in tree["unowned"]:
        room["recording"] = recordings.state(room["id"]).active
    return LiveTree.model_validate(tree)


async def list_walls(ctx: Ctx[NoBody, NoQuery]) -> WallList:
    found = await walls.list_walls(ctx.session, ctx.who)
    return WallList.model_validate([wall_json(w) for w, _ in found])


async def create_wall(ctx: Ctx[WallBody, NoQuery]) -> WallDetail:
    """Answers each screen's URL with its credential, once."""
    body, who, base_url = ctx.body, ctx.who, ctx.app[SERVER].base_url
    secrets_ = [new_secret() for _ in range(body.screens)]
    await ctx.session.commit()

    async def work(tx: AsyncSession) -> dict[str, Any]:
        org = await domain.access_organisation_by_id(
            tx, who, body.organisation_id or await own_org(tx, who), policy.WALL_MANAGE
        )
        wall, _ = await walls.do_create_wall(
            tx,
            who,
            name=body.name,
            organisation=org,
            screens=body.screens,
            layout=body.layout,
            credential_hashes=[hash_secret(x) for x in secrets_],
            ip=ctx.ip,
        )
        answer = await wall_details(tx, wall, base_url)
        for entry, secret in zip(answer["screens"], secrets_, strict=True):
            entry["url"] = screen_url(base_url, wall.id, entry["number"], secret)
        return answer

    return WallDetail.model_validate(await ctx.app[DATABASE].run(work))


async def get_wall(ctx: Ctx[NoBody, NoQuery]) -> WallDetail:
    wall, _ = await access_wall(ctx.session, ctx.who, ctx, policy.WALL_VIEW)
    return WallDetail.model_validate(
        await wall_details(ctx.session, wall, ctx.app[SERVER].base_url)
    )


async def delete_wall(ctx: Ctx[NoBody, NoQuery]) -> DeletedOut:
    who, wall_id = ctx.who, ctx.param("wall_id")
    await ctx.session.commit()

    async def work(tx: AsyncSession) -> None:
        wall, path = await access_wall(tx, who, ctx)
        await walls.do_delete_wall(tx, who, wall, path, ip=ctx.ip)

    await ctx.app[DATABASE].run(work)
    await ctx.app[WALL_NAMESPACE].wall_changed(wall_id, 0)
    return DeletedOut(deleted=wall_id)


async def set_layout(ctx: Ctx[LayoutBody, NoQuery]) -> ScreenOut:
    async def change(tx: AsyncSession, who: Subject, wall: Wall, path: str, s: WallScreen) -> None:
        await walls.do_set_layout(tx, who, wall, path, s, ctx.body.layout)

    return await change_screen(ctx, change)


async def put_tile(ctx: Ctx[TileBody, NoQuery]) -> ScreenOut:
    tile, data = number(ctx, "tile"), ctx.body.model_dump(by_alias=True, exclude_none=True)

    async def change(tx: AsyncSession, who: Subject, wall: Wall, path: str, s: WallScreen) -> None:
        if data.get("kind") == TOUR:
            tour = await walls.check_tour(tx, who, path, data.get("items"), data.get("dwellS"))
            content = {"kind": TOUR, **tour.as_dict()}
        else:
            content = await walls.check_source(tx, who, path, data)
        await walls.do_put_tile(tx, who, wall, path, s, tile, content)

    return await change_screen(ctx, change)


async def clear_tile(ctx: Ctx[NoBody, NoQuery]) -> ScreenOut:
    tile = number(ctx, "tile")

    async def change(tx: AsyncSession, who: Subject, wall: Wall, path: str, s: WallScreen) -> None:
        await walls.do_clear_tile(tx, who, wall, path, s, tile)

    return await change_screen(ctx, change)


async def enlarge_tile(ctx: Ctx[EnlargeBody, NoQuery]) -> ScreenOut:
    async def change(tx: AsyncSession, who: Subject, wall: Wall, path: str, s: WallScreen) -> None:
        await walls.do_enlarge_tile(tx, who, wall, path, s, ctx.body.tile)

    return await change_screen(ctx, change)


async def set_screen_tour(ctx: Ctx[TourBody, NoQuery]) -> ScreenOut:
    body = ctx.body

    async def change(tx: AsyncSession, who: Subject, wall: Wall, path: str, s: WallScreen) -> None:
        if body.items is None:
            await walls.do_set_screen_tour(tx, who, wall, path, s, None)
            return
        tour = await walls.check_tour(tx, who, path, body.items, body.dwell_s)
        await walls.do_set_screen_tour(tx, who, wall, path, s, tour)

    return await change_screen(ctx, change)


async def control_tour(ctx: Ctx[TourControlBody, NoQuery]) -> ScreenOut:
    body = ctx.body

    async def change(tx: AsyncSession, who: Subject, wall: Wall, path: str, s: WallScreen) -> None:
        await walls.do_control_tour(tx, who, wall, path, s, body.tile, body.action)

    return await change_screen(ctx, change)


async def swap_tiles(ctx: Ctx[SwapBody, NoQuery]) -> VersionOut:
    """Exchange two tiles (or move one to an empty tile), across screens too."""
    who, first_place, second_place = ctx.who, ctx.body.from_, ctx.body.to

    async def work(tx: AsyncSession) -> int:
        wall, path = await access_wall(tx, who, ctx)
        first = await walls.screen_of(tx, wall, first_place.screen)
        second = (
            first
            if second_place.screen == first_place.screen
            else await walls.screen_of(tx, wall, second_place.screen)
        )
        await walls.do_swap_tiles(
            tx,
            who,
            wall,
            path,
            (first, first_place.tile),
            (second, second_place.tile),
            ip=ctx.ip,
        )
        return wall.version

    return VersionOut(version=await write(ctx, work))


async def save_preset(ctx: Ctx[PresetBody, NoQuery]) -> PresetOut:
    who = ctx.who

    async def work(tx: AsyncSession) -> dict[str, Any]:
        wall, path = await access_wall(tx, who, ctx)
        preset = await presets.do_save_preset(tx, who, wall, path, ctx.body.name, ip=ctx.ip)
        return presets.preset_json(preset)

    return PresetOut.model_validate(await write(ctx, work))


async def apply_preset(ctx: Ctx[NoBody, NoQuery]) -> VersionOut:
    who = ctx.who

    async def work(tx: AsyncSession) -> int:
        wall, path = await access_wall(tx, who, ctx)
        preset = await presets.access_preset(tx, wall, ctx.param("preset_id"))
        await presets.do_apply_preset(tx, who, wall, path, preset, ip=ctx.ip)
        return wall.version

    return VersionOut(version=await write(ctx, work))


async def delete_preset(ctx: Ctx[NoBody, NoQuery]) -> DeletedOut:
    who = ctx.who
    await ctx.session.commit()

    async def work(tx: AsyncSession) -> str:
        wall, path = await access_wall(tx, who, ctx)
        preset = await presets.access_preset(tx, wall, ctx.param("preset_id"))
        await presets.do_delete_preset(tx, who, wall, path, preset, ip=ctx.ip)
        return preset.id

    return DeletedOut(deleted=await ctx.app[DATABASE].run(work))


async def issue_credential(ctx: Ctx[NoBody, NoQuery]) -> CredentialIssued:
    """A new screen credential (the old one stops working at once): the URL with it, once."""
    who, screen_number, base_url = ctx.who, number(ctx, "number"), ctx.app[SERVER].base_url

    async def work(tx: AsyncSession) -> str:
        wall, path = await access_wall(tx, who, ctx, policy.WALL_CREDENTIAL)
        screen = await walls.screen_of(tx, wall, screen_number)
        secret = await do_issue_screen_credential(tx, who, wall, path, screen, ip=ctx.ip)
        return screen_url(base_url, wall.id, screen_number, secret)

    return CredentialIssued(number=screen_number, url=await write(ctx, work))


async def revoke_credential(ctx: Ctx[NoBody, NoQuery]) -> CredentialRevoked:
    who, screen_number = ctx.who, number(ctx, "number")

    async def work(tx: AsyncSession) -> None:
        wall, path = await access_wall(tx, who, ctx, policy.WALL_CREDENTIAL)
        screen = await walls.screen_of(tx, wall, screen_number)
        await do_revoke_screen_credential(tx, who, wall, path, screen, ip=ctx.ip)

    await write(ctx, work)
    return CredentialRevoked(number=screen_number, credential=False)


WALL = f"{API}/walls/{{wall_id}}"
SCREEN = f"{WALL}/screens/{{number}}"
ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "GET",
        f"{API}/command/tree",
        "指挥中心实时树：机构、调解室、参与者 / live tree of my subtree",
        command_tree,
        LiveTree,
    ),
    Route("GET", f"{API}/walls", "本辖区电视墙 / walls of my subtree", list_walls, WallList),
    Route(
        "POST",
        f"{API}/walls",
        "新建电视墙（返回各屏地址与凭证）/ create a wall (screen URLs with credentials)",
        create_wall,
        WallDetail,
        body=WallBody,
        status=201,
    ),
    Route(
        "GET", WALL, "电视墙及其屏幕、预案 / a wall, its screens and presets", get_wall, WallDetail
    ),
    Route("DELETE", WALL, "删除电视墙 / delete a wall", delete_wall, DeletedOut),
    Route(
        "PUT",
        f"{SCREEN}/layout",
        "屏幕布局 / a screen's layout",
        set_layout,
        ScreenOut,
        body=LayoutBody,
    ),
    Route(
        "PUT",
        f"{SCREEN}/tiles/{{tile}}",
        "上墙：调解室、参与者、摄像头或轮巡 / put a source or a tour on a tile",
        put_tile,
        ScreenOut,
        body=TileBody,
    ),
    Route("DELETE", f"{SCREEN}/tiles/{{tile}}", "清空画面 / clear a tile", clear_tile, ScreenOut),
    Route(
        "PUT",
        f"{SCREEN}/enlarged",
        "放大画面 / enlarge a tile (or not)",
        enlarge_tile,
        ScreenOut,
        body=EnlargeBody,
    ),
    Route(
        "PUT",
        f"{SCREEN}/tour",
        "整屏轮巡 / tour of the whole screen",
        set_screen_tour,
        ScreenOut,
        body=TourBody,
    ),
    Route(
        "POST",
        f"{SCREEN}/tour-control",
        "暂停或继续轮巡 / pause or resume a tour",
        control_tour,
        ScreenOut,
        body=TourControlBody,
    ),
    Route(
        "POST",
        f"{WALL}/swap",
        "交换或移动画面 / swap or move tiles",
        swap_tiles,
        VersionOut,
        body=SwapBody,
    ),
    Route(
        "POST",
        f"{WALL}/presets",
        "保存预案 / save a preset",
        save_preset,
        PresetOut,
        body=PresetBody,
        status=201,
    ),
    Route(
        "POST",
        f"{WALL}/presets/{{preset_id}}/apply",
        "调用预案 / apply a preset",
        apply_preset,
        VersionOut,
    ),
    Route(
        "DELETE",
        f"{WALL}/presets/{{preset_id}}",
        "删除预案 / delete a preset",
        delete_preset,
        DeletedOut,
    ),
    Route(
        "POST",
        f"{SCREEN}/credential",
        "重新签发屏幕凭证（旧凭证失效）/ issue a new screen credential",
        issue_credential,
        CredentialIssued,
        status=201,
    ),
    Route(
        "DELETE",
        f"{SCREEN}/credential",
        "撤销屏幕凭证 / revoke a screen credential",
        revoke_credential,
        CredentialRevoked,
    ),
)

__all__ = ["ROUTES", "access_wall", "wall_details", "wall_json", "write"]
