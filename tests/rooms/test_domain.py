"""The domain against SQLite and PostgreSQL: subtrees, case transitions,
invitations, passwords."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.case_search import CaseFilter, case_types, list_cases
from rooms.db import Database
from rooms.demo import seed_demo_city
from rooms.domain import (
    DomainError,
    access_case_by_id,
    case_history,
    do_assign_case,
    do_create_case,
    do_create_case_room,
    do_create_invitation,
    do_redeem_invitation,
    do_revoke_invitation,
    do_transition_case,
    list_organisations,
)
from rooms.models import ACCEPTED, ASSIGNED, RECEIVED, User
from rooms.policy import Subject


def subject(user: User, path: str) -> Subject:
    return Subject(id=user.id, name=user.display_name, role=user.role, org_path=path)


async def world(db: Database):  # type: ignore[no-untyped-def]
    async with db.session() as s:
        demo = await seed_demo_city(s)
    paths = {k: o.path for k, o in demo.orgs.items()}
    east = subject(demo.users["mediator-east"], paths["east"])
    west = subject(demo.users["mediator-west"], paths["west"])
    return demo, paths, east, west


async def test_staff_see_only_their_subtree(database: Database) -> None:
    demo, _, east, west = await world(database)
    async with database.transaction() as s:
        case = await do_create_case(
            s,
            east,
            organisation=demo.orgs["east-1"],
            type="邻里纠纷",
            title="噪音扰民",
            severity="yellow",
            parties=[{"name": "张三", "phone": "13800000000"}],
        )
        mine, total = await list_cases(s, east)
        theirs, their_total = await list_cases(s, west)
        assert [c.id for c in mine] == [case.id] and total == 1
        assert theirs == [] and their_total == 0
        with pytest.raises(DomainError) as refused:
            await access_case_by_id(s, west, case.id)
        assert refused.value.code == "forbidden" and refused.value.status == 403
        orgs = await list_organisations(s, east)
        assert {o.name for o in orgs} == {"东城街道", "东城街道花园社区", "东城街道河畔社区"}
        with pytest.raises(DomainError):
            await do_create_case(
                s,
                west,
                organisation=demo.orgs["east-2"],
                type="x",
                title="x",
                severity="red",
                parties=[],
            )


async def test_case_moves_only_along_the_allowed_graph(database: Database) -> None:
    demo, _, east, _ = await world(database)
    async with database.transaction() as s:
        case = await do_create_case(
            s,
            east,
            organisation=demo.orgs["east"],
            type="婚姻家庭",
            title="抚养费",
            severity="green",
            parties=[],
        )
        with pytest.raises(DomainError) as refused:
            await do_transition_case(s, east, case, "archived")
        assert refused.value.code == "invalid_transition"
        await do_transition_case(s, east, case, ACCEPTED)
        with pytest.raises(DomainError) as no_mediator:  # "assigned" names a mediator
            await do_transition_case(s, east, case, ASSIGNED)
        assert no_mediator.value.code == "mediator_required"
        await do_assign_case(s, east, case, demo.orgs["east"].path, demo.users["mediator-east"].id)
        await do_transition_case(s, east, case, ASSIGNED)
        history = await case_history(s, case)
        assert [(h.from_status, h.to_status) for h in history] == [
            (RECEIVED, ACCEPTED),
            (ACCEPTED, ASSIGNED),
        ]


async def test_concurrent_transitions_leave_one_winner(database: Database) -> None:
    demo, _, east, _ = await world(database)
    async with database.transaction() as s:
        case = await do_create_case(
            s,
            east,
            organisation=demo.orgs["east"],
            type="x",
            title="并发",
            severity="red",
            parties=[],
        )

    async def attempt() -> str:
        async def work(s: AsyncSession) -> str:
            loaded, _ = await access_case_by_id(s, east, case.id)
            await do_transition_case(s, east, loaded, ACCEPTED)
            return "ok"

        try:
            return await database.run(work)
        except DomainError as exc:
            return exc.code

    results = sorted(await asyncio.gather(attempt(), attempt()))
    assert results in (["conflict", "ok"], ["invalid_transition", "ok"])
    async with database.transaction() as s:
        loaded, _ = await access_case_by_id(s, east, case.id)
        assert loaded.status == ACCEPTED and loaded.version == 2
        assert len(await case_history(s, loaded)) == 1


async def test_invitations_are_single_use_revocable_and_expire(database: Database) -> None:
    demo, paths, east, _ = await world(database)
    async with database.transaction() as s:
        case = await do_create_case(
            s,
            east,
            organisation=demo.orgs["east"],
            type="x",
            title="邀请",
            severity="red",
            parties=[],
        )
        room = await do_create_case_room(s, east, case, paths["east"])
        once = await do_create_invitation(
            s, room, name="张三", role="party", ttl_s=600, inviter=east
        )
        assert len(once.code) == 6 and once.code.isdigit()
        await do_redeem_invitation(s, once.id)
        with pytest.raises(DomainError) as used:
            await do_redeem_invitation(s, once.id)
        assert used.value.code == "invitation_used"

        revoked = await do_create_invitation(
            s, room, name="李四", role="party", ttl_s=600, inviter=east
        )
        await do_revoke_invitation(s, revoked, actor=east.id)
        with pytest.raises(DomainError) as gone:
            await do_redeem_invitation(s, revoked.id)
        assert gone.value.code == "invitation_revoked"

        expired = await do_create_invitation(
            s, room, name="王五", role="party", ttl_s=-1, inviter=east
        )
        with pytest.raises(DomainError) as late:
            await do_redeem_invitation(s, expired.id)
        assert late.value.code == "token_expired"


async def test_case_search_filters_and_pages(database: Database) -> None:
    """Text (number, title, a party's name in Chinese), type, status, organisation
    subtree and registration dates narrow the list; pages split it; another
    township's organisation is refused."""
    demo, paths, east, west = await world(database)
    async with database.transaction() as s:
        made = []
        for i, (org, kind, title, party) in enumerate(
            [
                ("east-1", "邻里纠纷", "楼上漏水", "张三"),
                ("east-2", "邻里纠纷", "噪音扰民", "李四"),
                ("east-2", "婚姻家庭", "抚养费", "王五"),
                ("east", "物业纠纷", "停车位 100%_占用", "赵六"),
            ]
        ):
            case = await do_create_case(
                s,
                east,
                organisation=demo.orgs[org],
                type=kind,
                title=title,
                severity="green",
                parties=[{"name": party, "phone": f"1380000000{i}"}],
            )
            made.append(case)
        await do_transition_case(s, east, made[1], ACCEPTED)

        async def titles(**where: object) -> list[str]:
            cases, _ = await list_cases(s, east, where=CaseFilter(**where))  # type: ignore[arg-type]
            return sorted(c.title for c in cases)

        assert await titles(text="漏水") == ["楼上漏水"]
        assert await titles(text="李四") == ["噪音扰民"]  # a party's name
        assert await titles(text=made[2].number[-4:]) == ["抚养费"]  # the case number
        assert await titles(text="100%_") == ["停车位 100%_占用"]  # LIKE characters literal
        assert await titles(text="%") == ["停车位 100%_占用"]
        assert await titles(type="邻里纠纷") == ["噪音扰民", "楼上漏水"]
        assert await titles(status=ACCEPTED) == ["噪音扰民"]
        assert await titles(organisation_id=demo.orgs["east-2"].id) == sorted(
            ["抚养费", "噪音扰民"]
        )
        assert len(await titles(organisation_id=demo.orgs["east"].id)) == 4  # the subtree
        now = dt.datetime.now(dt.UTC)
        assert len(await titles(created_from=now - dt.timedelta(hours=1))) == 4
        assert await titles(created_to=now - dt.timedelta(hours=1)) == []
        with pytest.raises(DomainError) as outside:
            await list_cases(s, east, where=CaseFilter(organisation_id=demo.orgs["west"].id))
        assert outside.value.code == "forbidden"
        assert await list_cases(s, west, where=CaseFilter(text="漏水")) == ([], 0)
        page1, total = await list_cases(s, east, page=1, per_page=3)
        page2, _ = await list_cases(s, east, page=2, per_page=3)
        assert total == 4 and len(page1) == 3 and len(page2) == 1
        assert not {c.id for c in page1} & {c.id for c in page2}
        assert await case_types(s, east) == sorted(["婚姻家庭", "物业纠纷", "邻里纠纷"])
        assert paths  # (the world's paths are used by the other tests)
