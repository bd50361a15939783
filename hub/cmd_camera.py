"""mediation-hub camera add|list|attach: the camera registry from the server's shell.

Run by the operator on the server (audited as `cli`, acting as the city root's
administrator). `add` takes the RTSP URL with or without user:password@ (the
credentials are stored encrypted with DATA_DIR/camera.key, never printed);
`attach` puts a camera into a room by name: bound at once when the room is live
on a running hub, otherwise when people next come in.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.cmd_serve import add_common, config_from_args
from hub.config import Config
from hub.keyfile import load_or_create_camera_key, load_or_create_token_secret
from rooms import actions, cameras
from rooms.credentials import CredentialBox
from rooms.db import Database, init_schema
from rooms.domain import DomainError, do_ensure_root_organisation, org_path
from rooms.models import Camera, Organisation
from rooms.policy import Subject
from rooms.tokens import ADMIN

OPERATOR = "cli"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("camera", help="the camera registry: add, list, attach to a room")
    cam = p.add_subparsers(dest="camera_command", required=True)

    add = cam.add_parser("add", help="register an RTSP camera; prints its id")
    add_common(add)
    add.add_argument("--name", required=True, help="e.g. 菜市场东门")
    add.add_argument("--rtsp", required=True, metavar="URL", help="rtsp://[user:pass@]host/path")
    add.add_argument("--org", metavar="CODE", help="organisation code (default: the city root)")
    add.add_argument("--location", default="", help="where it looks, e.g. 东门入口")
    add.add_argument("--transport", choices=cameras.TRANSPORTS, default="tcp")
    add.set_defaults(func=run_add)

    ls = cam.add_parser("list", help="registered cameras and their last state")
    add_common(ls)
    ls.set_defaults(func=run_list)

    at = cam.add_parser("attach", help="attach a camera to a room (by the room's name)")
    add_common(at)
    at.add_argument("camera_id")
    at.add_argument("--room", required=True, metavar="ROOM_NAME")
    at.set_defaults(func=run_attach)


async def _with_database(config: Config, work: object) -> object:
    load_or_create_token_secret(config.server.data_dir)  # creates the data dir too
    database = Database(config.database_url)
    try:
        await init_schema(database.engine)
        return await database.run(work)  # type: ignore[arg-type]
    finally:
        await database.close()


async def _operator(session: AsyncSession, org_path: str | None = None) -> Subject:
    """The operator as the administrator of the tree `org_path` is in (an install may
    hold more than one tree: the first start's root, a seeded demo city)."""
    if org_path is None:
        org_path = (await do_ensure_root_organisation(session, actor=OPERATOR)).path
    top = "/" + org_path.strip("/").split("/")[0] + "/"
    return Subject(id=OPERATOR, name=OPERATOR, role=ADMIN, org_path=top)


def _fail(exc: DomainError) -> int:
    print(f"{exc.code}: {exc.message}", file=sys.stderr)
    return 2


def run_add(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    box = CredentialBox(load_or_create_camera_key(config.server.data_dir))

    async def work(session: AsyncSession) -> Camera:
        if args.org:
            org = await session.scalar(select(Organisation).where(Organisation.code == args.org))
            if org is None:
                raise DomainError("not_found", f"机构代码 {args.org} 不存在 / no such organisation")
        else:
            org = await do_ensure_root_organisation(session, actor=OPERATOR)
        operator = await _operator(session, org.path)
        return await cameras.do_create_camera(
            session,
            operator,
            box,
            organisation=org,
            name=args.name,
            location=args.location,
            rtsp_url=args.rtsp,
            rtsp_transport=args.transport,
            actor=OPERATOR,
        )

    try:
        camera = asyncio.run(_with_database(config, work))
    except DomainError as exc:
        return _fail(exc)
    assert isinstance(camera, Camera)
    print(camera.id)
    print(f"{camera.name}: {camera.rtsp_url}", file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    config = config_from_args(args)

    async def work(session: AsyncSession) -> list[tuple[Camera, str]]:
        rows = await cameras.list_all_cameras(session)
        codes = dict((await session.execute(select(Organisation.id, Organisation.code))).all())
        return [(c, codes.get(c.organisation_id, "?")) for c in rows]

    rows = asyncio.run(_with_database(config, work))
    assert isinstance(rows, list)
    print(f"{'id':<32} {'org':<12} {'state':<18} {'last frame (UTC)':<20} name / source")
    for camera, code in rows:
        last = camera.last_frame_at.strftime("%Y-%m-%d %H:%M:%S") if camera.last_frame_at else "-"
        source = camera.rtsp_url or f"GB {camera.gb_device_id}/{camera.gb_channel_id}"
        print(f"{camera.id:<32} {code:<12} {camera.state:<18} {last:<20} {camera.name}  {source}")
    return 0


def run_attach(args: argparse.Namespace) -> int:
    config = config_from_args(args)

    async def work(session: AsyncSession) -> tuple[str, bool]:
        room = await actions.get_room_by_name(session, args.room)
        if room is None:
            raise DomainError("room_not_found", f"调解室 {args.room!r} 不存在 / no such room")
        camera = await session.get(Camera, args.camera_id)
        where = await org_path(session, camera.organisation_id) if camera else None
        operator = await _operator(session, where)
        camera, _ = await cameras.access_camera_by_id(session, operator, args.camera_id)
        _, new = await cameras.do_attach_camera(session, room, camera, actor=OPERATOR)
        return room.id, new

    try:
        result = asyncio.run(_with_database(config, work))
    except DomainError as exc:
        return _fail(exc)
    assert isinstance(result, tuple)
    room_id, new = result
    print(f"{'attached' if new else 'already attached'}: camera {args.camera_id} -> room {room_id}")
    return 0
