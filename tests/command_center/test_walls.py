"""Wall actions on SQLite and PostgreSQL: scope, audit, tiles, presets, credentials."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from command_center import presets, walls
from command_center.screen_credentials import (
    ScreenRefused,
    check_screen_credential,
    do_issue_screen_credential,
    do_revoke_screen_credential,
    hash_secret,
    parse_screen_token,
    screen_token,
)
from rooms.audit import verify_audit_chain
from rooms.db import Database
from rooms.demo import DemoCity, seed_demo_city
from rooms.domain import DomainError
from rooms.models import AuditEntry
from rooms.policy import Subject
from tests.signaling.conftest import case_room


def who(demo: DemoCity, key: str, org: str) -> Subject:
    user = demo.users[key]
    return Subject(id=user.id, name=key, role=user.role, org_path=demo.orgs[org].path)


async def world(database: Database) -> tuple[DemoCity, dict[str, str]]:
    async with database.transaction() as s:
        demo = await seed_demo_city(s, password_hash="x")
    async with database.transaction() as s:
        rooms = {o: (await case_room(s, demo, o, title=o)).id for o in ("east-1", "west-1")}
    return demo, rooms


async def test_walls_keep_to_their_subtree_and_every_change_is_audited(database: Database) -> None:
    demo, rooms = await world(database)
    command = who(demo, "command", "city")
    east_only = Subject(id="e", name="e", role="command", org_path=demo.orgs["east"].path)

    async def create(s: Any) -> str:
        wall, _ = await walls.do_create_wall(
            s,
            east_only,
            name="东城墙",
            organisation=demo.orgs["east"],
            screens=2,
            layout="2x2",
            credential_hashes=["a", "b"],
        )
        return wall.id

    wall_id = await database.run(create)

    async def put(s: Any, subject: Subject, room: str, screen: int = 1, tile: int = 1) -> None:
        wall, wall_path = await walls.access_wall_by_id(s, subject, wall_id, for_update=True)
        content = await walls.check_source(s, subject, wall_path, {"kind": "room", "roomId": room})
        row = await walls.screen_of(s, wall, screen)
        await walls.do_put_tile(s, subject, wall, wall_path, row, tile, content)

    await database.run(lambda s: put(s, east_only, rooms["east-1"]))
    for subject in (east_only, command):  # west: outside the township, and outside the wall
        with pytest.raises(DomainError) as refused:
            await database.run(lambda s, subject=subject: put(s, subject, rooms["west-1"]))
        assert refused.value.status == 403
    with pytest.raises(DomainError):  # a mediator arranges no wall
        await database.run(lambda s: put(s, who(demo, "mediator-east", "east"), rooms["east-1"]))
    with pytest.raises(DomainError) as missing:
        await database.run(lambda s: put(s, east_only, rooms["east-1"], tile=5))
    assert missing.value.status == 404

    async def rearrange(s: Any) -> None:
        wall, wall_path = await walls.access_wall_by_id(s, east_only, wall_id, for_update=True)
        one, two = await walls.screens_of(s, wall)
        await walls.do_swap_tiles(s, east_only, wall, wall_path, (one, 1), (two, 3))
        assert one.tiles == {} and two.tiles["3"]["roomId"] == rooms["east-1"]
        await walls.do_enlarge_tile(s, east_only, wall, wall_path, two, 3)
        await walls.do_set_layout(s, east_only, wall, wall_path, two, "1")  # tile 3 goes
        assert two.tiles == {} and two.enlarged is None

    await database.run(rearrange)
    async with database.session() as s:
        entries = list(
            await s.scalars(select(AuditEntry).where(AuditEntry.target == f"wall:{wall_id}"))
        )
        assert [e.action for e in entries] == [
            "wall.create",
            "wall.tile.put",
            "wall.tile.swap",
            "wall.tile.enlarge",
            "wall.layout",
        ]
        assert entries[-1].detail == {"screen": 2, "layout": "1", "cleared": [3]}
        assert all(e.actor == "e" for e in entries)
        assert (await verify_audit_chain(s)).ok
        wall, _ = await walls.access_wall_by_id(s, command, wall_id)  # the city sees it
        assert wall.version == 5
        with pytest.raises(DomainError):
            await walls.access_wall_by_id(s, who(demo, "mediator-west", "west"), wall_id)


async def test_presets_and_screen_credentials(database: Database) -> None:
    demo, rooms = await world(database)
    admin = who(demo, "city-admin", "city")
    command = who(demo, "command", "city")

    async def setup(s: Any) -> str:
        wall, _ = await walls.do_create_wall(
            s,
            command,
            name="大厅",
            organisation=demo.orgs["city"],
            screens=1,
            layout="3x3",
            credential_hashes=[hash_secret("first-secret")],
        )
        path = demo.orgs["city"].path
        (screen,) = await walls.screens_of(s, wall)
        content = await walls.check_source(
            s, command, path, {"kind": "room", "roomId": rooms["west-1"]}
        )
        await walls.do_put_tile(s, command, wall, path, screen, 2, content)
        await presets.do_save_preset(s, command, wall, path, "日常")
        await walls.do_clear_tile(s, command, wall, path, screen, 2)
        return wall.id

    wall_id = await database.run(setup)

    async def apply(s: Any) -> dict[str, Any]:
        wall, path = await walls.access_wall_by_id(s, command, wall_id, for_update=True)
        (preset,) = await presets.list_presets(s, wall)
        await presets.do_apply_preset(s, command, wall, path, preset)
        return (await walls.screen_of(s, wall, 1)).tiles

    assert (await database.run(apply))["2"]["roomId"] == rooms["west-1"]

    async with database.session() as s:
        wall, screen, path = await check_screen_credential(s, wall_id, 1, "first-secret")
        assert (wall.id, screen.number, path) == (wall_id, 1, demo.orgs["city"].path)
        for wrong in ((wall_id, 1, "nope"), (wall_id, 2, "first-secret"), ("x", 1, "first-secret")):
            with pytest.raises(ScreenRefused):
                await check_screen_credential(s, *wrong)

    async def revoke(s: Any, subject: Subject) -> None:
        wall, path = await walls.access_wall_by_id(s, subject, wall_id, for_update=True)
        await do_revoke_screen_credential(s, subject, wall, path, await walls.screen_of(s, wall, 1))

    with pytest.raises(DomainError):  # command staff don't manage credentials
        await database.run(lambda s: revoke(s, command))
    await database.run(lambda s: revoke(s, admin))
    async with database.session() as s:
        with pytest.raises(ScreenRefused):
            await check_screen_credential(s, wall_id, 1, "first-secret")

    async def issue(s: Any) -> str:
        wall, path = await walls.access_wall_by_id(s, admin, wall_id, for_update=True)
        return await do_issue_screen_credential(
            s, admin, wall, path, await walls.screen_of(s, wall, 1)
        )

    secret = await database.run(issue)
    assert parse_screen_token(screen_token(wall_id, 1, secret)) == (wall_id, 1, secret)
    assert parse_screen_token("screen:a:x:y") is None and parse_screen_token("eyJ.jwt") is None
    async with database.session() as s:
        await check_screen_credential(s, wall_id, 1, secret)
        actions = [
            e.action
            for e in await s.scalars(
                select(AuditEntry).where(AuditEntry.target == f"wall:{wall_id}")
            )
        ]
    assert actions[-3:] == ["wall.preset.apply", "wall.credential.revoke", "wall.credential.issue"]
