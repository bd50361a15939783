"""mediation-hub camera add|list|attach (DESIGN.md's CLI contract), run as the
operator would: credentials stored sealed and never printed, attach audited."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.cli import main
from hub.config import Config
from rooms.cameras import attached_cameras
from rooms.db import Database
from rooms.models import AuditEntry, Camera

SECRET = "Cam-Pass-2026"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_attach(hub_config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(hub_config.server.data_dir)
    code, out, err = run(
        capsys, "camera", "add", "--name", "菜市场东门",
        "--rtsp", f"rtsp://admin:{SECRET}@10.0.0.8:554/live", "--data-dir", data,
    )  # fmt: skip
    assert code == 0, err
    camera_id = out.strip()
    assert len(camera_id) == 32 and SECRET not in out + err
    key = Path(data) / "camera.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    code, out, err = run(capsys, "camera", "list", "--data-dir", data)
    assert code == 0 and camera_id in out and "rtsp://10.0.0.8:554/live" in out
    assert SECRET not in out + err and "idle" in out
    # an organisation that doesn't exist, a URL that isn't RTSP: clear errors, nothing stored
    code, _, err = run(
        capsys, "camera", "add", "--name", "x", "--rtsp", "rtsp://h/x", "--org", "999",
        "--data-dir", data,
    )  # fmt: skip
    assert code == 2 and "not_found" in err
    code, _, err = run(
        capsys, "camera", "add", "--name", "x", "--rtsp", "file:///etc/passwd", "--data-dir", data
    )
    assert code == 2 and "bad_url" in err
    code, _, err = run(capsys, "camera", "attach", camera_id, "--room", "没有", "--data-dir", data)
    assert code == 2 and "room_not_found" in err
    code, _, err = run(capsys, "invite", "--room", "摊位纠纷", "--name", "张三", "--data-dir", data)
    assert code == 0, err
    code, out, err = run(
        capsys, "camera", "attach", camera_id, "--room", "摊位纠纷", "--data-dir", data
    )
    assert code == 0 and out.startswith("attached"), err
    code, out, _ = run(
        capsys, "camera", "attach", camera_id, "--room", "摊位纠纷", "--data-dir", data
    )
    assert code == 0 and out.startswith("already attached")

    async def check() -> None:
        database = Database(hub_config.database_url)
        try:
            async with database.session() as s:
                cameras = list((await s.execute(select(Camera))).scalars())
                assert len(cameras) == 1 and SECRET not in (cameras[0].credentials or "")
                room_id = out.split("room ")[-1].strip()
                assert [c.id for _, c in await attached_cameras(s, room_id)] == [camera_id]
                actions = list((await s.execute(select(AuditEntry.action, AuditEntry.actor))).all())
                assert ("camera.create", "cli") in actions and ("camera.attach", "cli") in actions
                assert [a for a, _ in actions].count("camera.attach") == 1
        finally:
            await database.close()

    asyncio.run(check())
