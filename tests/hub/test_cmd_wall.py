"""mediation-hub wall create|put: screen URLs with credentials, tiles put as the
command line (audited as cli), clear refusals."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from command_center.screen_credentials import check_screen_credential
from hub.cli import main
from hub.cmd_invite import create_invitation
from hub.config import Config
from rooms.db import Database
from rooms.models import AuditEntry, WallScreen


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_create_then_put_a_room(
    tmp_path: Path, hub_config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(hub_config.server.data_dir)
    code, out, _ = run(
        capsys,
        "wall",
        "create",
        "--name",
        "指挥大厅",
        "--screens",
        "2",
        "--layout",
        "3x3",
        "--data-dir",
        data,
        "--base-url",
        "http://hub.test:8080",
    )
    assert code == 0
    wall_id, *urls = out.split()
    assert re.fullmatch(r"[0-9a-f]{32}", wall_id)
    assert len(urls) == 2
    for n, url in enumerate(urls, start=1):
        assert url.startswith(f"http://hub.test:8080/wall/{wall_id}/screen/{n}#key=")

    hub_config.server.data_dir = Path(data)
    asyncio.run(create_invitation(hub_config, "东城调解室", "张三", "party", 600))
    code, out, _ = run(
        capsys,
        "wall",
        "put",
        wall_id,
        "--screen",
        "2",
        "--tile",
        "9",
        "--room",
        "东城调解室",
        "--data-dir",
        data,
    )
    assert code == 0, out

    async def check() -> tuple[dict[str, object], list[tuple[str, str]]]:
        database = Database(hub_config.database_url)
        try:
            async with database.session() as s:
                secret = urls[1].split("#key=")[1]
                _, screen, _ = await check_screen_credential(s, wall_id, 2, secret)
                from sqlalchemy import select

                audit = [
                    (e.actor, e.action)
                    for e in await s.scalars(
                        select(AuditEntry).where(AuditEntry.target == f"wall:{wall_id}")
                    )
                ]
                assert isinstance(screen, WallScreen)
                return screen.tiles, audit
        finally:
            await database.close()

    tiles, audit = asyncio.run(check())
    assert tiles["9"]["kind"] == "room"  # type: ignore[index]
    assert audit == [("cli", "wall.create"), ("cli", "wall.tile.put")]

    for args, code_expected in (
        (("--screen", "3", "--tile", "1", "--room", "东城调解室"), "not_found"),
        (("--screen", "1", "--tile", "10", "--room", "东城调解室"), "not_found"),
        (("--screen", "1", "--tile", "1", "--room", "没有这个"), "room_not_found"),
        (("--screen", "1", "--tile", "1", "--camera", "cam-1"), "camera_not_found"),
    ):
        code, _, err = run(capsys, "wall", "put", wall_id, *args, "--data-dir", data)
        assert code == 2 and err.startswith(code_expected), err


def test_a_bad_layout_is_refused(hub_config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "wall",
        "create",
        "--name",
        "墙",
        "--screens",
        "1",
        "--layout",
        "9x9",
        "--data-dir",
        str(hub_config.server.data_dir),
    )
    assert code == 2 and out == "" and err.startswith("bad_layout")


def test_put_a_camera_from_the_registry(
    hub_config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(hub_config.server.data_dir)
    code, out, err = run(
        capsys, "wall", "create", "--name", "值班墙", "--screens", "1", "--data-dir", data
    )
    assert code == 0, err
    wall_id = out.split()[0]
    code, out, err = run(
        capsys, "camera", "add", "--name", "菜市场东门", "--rtsp", "rtsp://10.0.0.8:554/live",
        "--data-dir", data,
    )  # fmt: skip
    assert code == 0, err
    camera_id = out.strip()
    code, out, err = run(
        capsys, "wall", "put", wall_id, "--screen", "1", "--tile", "1", "--camera", camera_id,
        "--data-dir", data,
    )  # fmt: skip
    assert code == 0, err
    assert camera_id in out

    async def tiles() -> dict[str, object]:
        database = Database(hub_config.database_url)
        try:
            async with database.session() as s:
                from sqlalchemy import select

                screen = await s.scalar(select(WallScreen).where(WallScreen.wall_id == wall_id))
                assert screen is not None
                return dict(screen.tiles)
        finally:
            await database.close()

    assert asyncio.run(tiles())["1"] == {"kind": "camera", "cameraId": camera_id}
