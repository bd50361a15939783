"""mediation-hub wall create|put: the command center's walls from the server's shell.

Command halls script their walls; checks drive them so. Run by the operator on the
server (audited as `cli`, acting as the city root's administrator).

    mediation-hub wall create --name 指挥大厅 --screens 2 --layout 3x3
        prints the wall's id, then each screen's URL with its screen credential
        (open each in a kiosk browser; the credential is shown only here)
    mediation-hub wall put WALL_ID --screen 1 --tile 4 --room 东城调解室
        puts a room (or --camera CAMERA_ID) on a tile, as a drag in /command does;
        open screens show it within a second (a running hub notices the change:
        through Redis at once with REDIS_URL, otherwise by polling the wall's version)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command_center import walls
from command_center.layouts import PRESETS
from command_center.screen_credentials import hash_secret, new_secret, screen_url
from hub.cmd_serve import add_common, config_from_args
from hub.config import Config
from hub.keyfile import load_or_create_token_secret
from rooms import actions
from rooms.db import Database, init_schema
from rooms.domain import DomainError, do_ensure_root_organisation, org_path
from rooms.models import Organisation, Wall
from rooms.policy import WALL_MANAGE, Subject
from rooms.tokens import ADMIN

OPERATOR = "cli"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("wall", help="video walls of the command center: create, put")
    wall = p.add_subparsers(dest="wall_command", required=True)

    create = wall.add_parser("create", help="create a wall; prints its id and screen URLs")
    add_common(create)
    create.add_argument("--name", required=True, help="e.g. 指挥大厅")
    create.add_argument("--screens", type=int, required=True, help="how many screens (1-16)")
    create.add_argument(
        "--layout", default="3x3", help=f"each screen's layout: {', '.join(PRESETS)}, RxC, custom:"
    )
    create.add_argument(
        "--org",
        metavar="CODE",
        help="the wall's organisation, by code: it shows that subtree (default: the tree's root)",
    )
    create.add_argument("--base-url", help="public base URL of the hub (default from config)")
    create.set_defaults(func=run_create)

    put = wall.add_parser("put", help="put a live room or a camera on a tile")
    add_common(put)
    put.add_argument("wall_id")
    put.add_argument("--screen", type=int, required=True)
    put.add_argument("--tile", type=int, required=True)
    source = put.add_mutually_exclusive_group(required=True)
    source.add_argument("--room", metavar="ROOM_NAME", help="a room, by its name")
    source.add_argument("--camera", metavar="CAMERA_ID")
    put.set_defaults(func=run_put)


async def _with_database(config: Config, work: Any) -> Any:
    load_or_create_token_secret(config.server.data_dir)  # creates the data dir too
    database = Database(config.database_url)
    try:
        await init_schema(database.engine)
        return await database.run(work)
    finally:
        await database.close()


async def _operator(session: AsyncSession) -> Subject:
    """The operator as the administrator of the (first) organisation tree's root."""
    root = await do_ensure_root_organisation(session, actor=OPERATOR)
    return Subject(id=OPERATOR, name=OPERATOR, role=ADMIN, org_path=root.path)


def _operator_of_tree(path: str) -> Subject:
    """The operator as the administrator of the root of the tree holding `path`
    (an install may hold more than one tree: the first start's placeholder root and
    the city's own)."""
    root = "/" + path.strip("/").split("/")[0] + "/"
    return Subject(id=OPERATOR, name=OPERATOR, role=ADMIN, org_path=root)


def _fail(exc: DomainError) -> int:
    print(f"{exc.code}: {exc.message}", file=sys.stderr)
    return 2


def run_create(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if not 1 <= args.screens <= walls.MAX_SCREENS:
        raise SystemExit(f"--screens must be 1-{walls.MAX_SCREENS}")
    secrets_ = [new_secret() for _ in range(args.screens)]

    async def work(session: AsyncSession) -> str:
        operator = await _operator(session)
        query = select(Organisation).where(
            Organisation.code == args.org if args.org else Organisation.path == operator.org_path
        )
        org = await session.scalar(query)
        if org is None:
            raise DomainError("not_found", f"机构代码 {args.org} 不存在 / no such organisation")
        operator = _operator_of_tree(org.path)
        wall, _ = await walls.do_create_wall(
            session,
            operator,
            name=args.name,
            organisation=org,
            screens=args.screens,
            layout=args.layout,
            credential_hashes=[hash_secret(s) for s in secrets_],
        )
        return wall.id

    try:
        wall_id = asyncio.run(_with_database(config, work))
    except DomainError as exc:
        return _fail(exc)
    base = args.base_url or config.base_url
    print(wall_id)
    for number, secret in enumerate(secrets_, start=1):
        print(screen_url(base, wall_id, number, secret))
    print(
        "屏幕地址含凭证，仅显示这一次 / screen URLs carry their credential: shown once",
        file=sys.stderr,
    )
    return 0


def run_put(args: argparse.Namespace) -> int:
    config = config_from_args(args)

    async def work(session: AsyncSession) -> tuple[str, int]:
        stored = await session.get(Wall, args.wall_id)
        if stored is None:
            raise DomainError("not_found", "电视墙不存在 / no such wall", 404)
        operator = _operator_of_tree(await org_path(session, stored.organisation_id) or "/")
        wall, path = await walls.access_wall_by_id(
            session, operator, args.wall_id, WALL_MANAGE, for_update=True
        )
        screen = await walls.screen_of(session, wall, args.screen)
        if args.room is not None:
            room = await actions.get_room_by_name(session, args.room)
            if room is None:
                raise DomainError("room_not_found", f"调解室 {args.room!r} 不存在 / no such room")
            source: dict[str, Any] = {"kind": walls.ROOM, "roomId": room.id}
        else:
            source = {"kind": walls.CAMERA, "cameraId": args.camera}
        content = await walls.check_source(session, operator, path, source)
        await walls.do_put_tile(session, operator, wall, path, screen, args.tile, content)
        return wall.id, wall.version

    try:
        wall_id, version = asyncio.run(_with_database(config, work))
    except DomainError as exc:
        return _fail(exc)
    if config.signaling.redis_url:
        asyncio.run(_announce(config.signaling.redis_url, wall_id, version))
    print(f"screen {args.screen} tile {args.tile}: {args.room or args.camera}")
    return 0


async def _announce(redis_url: str, wall_id: str, version: int) -> None:
    """Tell every node's screens at once, through socket.io's Redis manager."""
    import socketio

    manager = socketio.AsyncRedisManager(redis_url, write_only=True)
    await manager.emit(
        "wall-changed",
        {"wall": wall_id, "version": version},
        namespace="/wall",
        room=f"wall:{wall_id}",
    )


__all__ = ["register", "run_create", "run_put"]
