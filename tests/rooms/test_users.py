"""Administrators edit users: roles only as granted, organisations only in their
subtree, nobody locks themselves out; an administrator-set password must be
changed; each change audited in the same transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rooms.audit import verify_audit_chain
from rooms.db import Database
from rooms.demo import seed_demo_city
from rooms.domain import DomainError, authenticate, do_change_password, do_create_organisation
from rooms.models import TOWNSHIP, AuditEntry, User
from rooms.policy import Subject, grantable_roles
from rooms.users import UserChanges, access_user_by_id, do_update_user


def as_subject(user: User, path: str) -> Subject:
    return Subject(id=user.id, name=user.display_name, role=user.role, org_path=path)


async def test_admin_edits_disables_and_resets(database: Database) -> None:
    async with database.session() as s:
        demo = await seed_demo_city(s)
        admin = as_subject(demo.users["city-admin"], demo.orgs["city"].path)
        target = await access_user_by_id(s, admin, demo.users["mediator-east"].id)
        await do_update_user(
            s,
            admin,
            target,
            UserChanges(
                name="东城调解员（新）", role="reviewer", organisation_id=demo.orgs["west"].id
            ),
        )
        await do_update_user(s, admin, target, UserChanges(active=False))
        await do_update_user(s, admin, target, UserChanges(password="重置后的密码-2026"))
        stored = await s.get(User, target.id, populate_existing=True)
        assert stored is not None
        assert (stored.display_name, stored.role, stored.organisation_id, stored.active) == (
            "东城调解员（新）",
            "reviewer",
            demo.orgs["west"].id,
            False,
        )
        assert stored.must_change_password  # the administrator knows it
        with pytest.raises(DomainError):  # disabled: no login
            await authenticate(s, "mediator-east", "重置后的密码-2026")
        await do_update_user(s, admin, target, UserChanges(active=True))
        user = await authenticate(s, "mediator-east", "重置后的密码-2026")
        await do_change_password(s, user.id, "重置后的密码-2026", "我自己的新密码-2026")
        assert not (await s.get(User, user.id, populate_existing=True)).must_change_password  # type: ignore[union-attr]
        actions = list(
            await s.scalars(
                select(AuditEntry.action).where(AuditEntry.target == f"user:{target.id}")
            )
        )
        assert actions == [
            "user.update",
            "user.disable",
            "user.password.set",
            "user.enable",
            "user.password",
        ]
        assert (await verify_audit_chain(s)).ok


async def test_limits_of_editing(database: Database) -> None:
    async with database.session() as s:
        demo = await seed_demo_city(s)
        city = as_subject(demo.users["city-admin"], demo.orgs["city"].path)
        assert "admin" in grantable_roles(city) and "party" not in grantable_roles(city)
        mediator = as_subject(demo.users["mediator-east"], demo.orgs["east"].path)
        assert grantable_roles(mediator) == []
        # an administrator of a township
        town_admin = demo.users["intake"]
        await do_update_user(s, city, town_admin, UserChanges(role="admin"))
        town = as_subject(town_admin, demo.orgs["east"].path)

        async def refused(who: Subject, user: User, changes: UserChanges) -> str:
            with pytest.raises(DomainError) as caught:
                await do_update_user(s, who, user, changes)
            await s.rollback()
            return caught.value.code

        assert await refused(city, demo.users["city-admin"], UserChanges(active=False)) == (
            "bad_request"  # not yourself
        )
        assert await refused(city, demo.users["city-admin"], UserChanges(role="mediator")) == (
            "bad_request"
        )
        assert await refused(town, demo.users["mediator-east"], UserChanges(role="party")) == (
            "role_not_grantable"
        )
        assert (
            await refused(
                town, demo.users["mediator-east"], UserChanges(organisation_id=demo.orgs["west"].id)
            )
            == "forbidden"
        )  # outside the township
        assert (
            await refused(town, demo.users["mediator-east"], UserChanges(password="1234567890"))
            == "weak_password"
        )
        with pytest.raises(DomainError) as outside:
            await access_user_by_id(s, town, demo.users["mediator-west"].id)
        assert outside.value.status == 403
        # inside: a new community of the township
        new = await do_create_organisation(
            s, code="330101009", name="新社区", level=TOWNSHIP, parent=demo.orgs["east"]
        )
        moved = await do_update_user(
            s, town, demo.users["mediator-east"], UserChanges(organisation_id=new.id)
        )
        assert moved.organisation_id == new.id
