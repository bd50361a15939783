"""Administrators edit users: roles only as granted, organisations only in their
subtree, nobody locks themselves out; an administrator-set password must be
changed (and logs out whoever was logged in); each change audited in its unit of
work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from rooms.accounts import authenticate, change_password, check_session, do_start_session
from rooms.audit import verify_audit_chain
from rooms.db import Database
from rooms.demo import DEMO_PASSWORD, seed_demo_city
from rooms.domain import DomainError, do_create_organisation
from rooms.models import TOWNSHIP, AuditEntry, User
from rooms.passwords import PasswordPool
from rooms.policy import Subject, grantable_roles
from rooms.tokens import AccessToken, TokenError
from rooms.users import UserChanges, account_refusal, do_update_user


@pytest.fixture
def passwords() -> Iterator[PasswordPool]:
    pool = PasswordPool()
    yield pool
    pool.close()


def as_subject(user: User, path: str) -> Subject:
    return Subject(id=user.id, name=user.display_name, role=user.role, org_path=path)


async def test_admin_edits_disables_and_resets(database: Database, passwords: PasswordPool) -> None:
    async with database.transaction() as s:
        demo = await seed_demo_city(s, password_hash=await passwords.hash(DEMO_PASSWORD))
    admin = as_subject(demo.users["city-admin"], demo.orgs["city"].path)
    target_id = demo.users["mediator-east"].id
    async with database.transaction() as s:
        login = await do_start_session(s, demo.users["mediator-east"], ttl_s=600)

    async def update(changes: UserChanges) -> User:
        async with database.transaction() as s:
            user = await s.get(User, target_id)
            assert user is not None
            return await do_update_user(s, admin, user, changes)

    await update(
        UserChanges(name="东城调解员（新）", role="reviewer", organisation_id=demo.orgs["west"].id)
    )
    await update(UserChanges(active=False))
    async with database.session() as s:
        assert await account_refusal(s, target_id) == (
            "account_disabled",
            "账户已停用 / this account is disabled",
        )
        with pytest.raises(DomainError):  # disabled: no login
            await authenticate(s, passwords, "mediator-east", DEMO_PASSWORD)
    await update(UserChanges(active=True))
    await update(UserChanges(password_hash=await passwords.hash("重置后的密码-2026")))
    async with database.session() as s:
        stored = await s.get(User, target_id)
        assert stored is not None
        assert (stored.display_name, stored.role, stored.organisation_id, stored.active) == (
            "东城调解员（新）",
            "reviewer",
            demo.orgs["west"].id,
            True,
        )
        assert stored.must_change_password  # the administrator knows it
        assert (await account_refusal(s, target_id) or ("",))[0] == "password_change_required"
        with pytest.raises(TokenError):  # whoever was logged in is logged out
            await check_session(
                s, AccessToken(sub=target_id, name="x", role="reviewer", exp=0, sid=login.id)
            )
        user = await authenticate(s, passwords, "mediator-east", "重置后的密码-2026")
    await change_password(database, passwords, user.id, "重置后的密码-2026", "我自己的新密码-2026")
    async with database.session() as s:
        assert await account_refusal(s, target_id) is None
        actions = list(
            await s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.target == f"user:{target_id}")
                .order_by(AuditEntry.seq)
            )
        )
        assert actions == [
            "user.create",
            "login",
            "user.update",
            "user.disable",
            "user.enable",
            "user.password.set",
            "user.password",
        ]
        assert (await verify_audit_chain(s)).ok


async def test_limits_of_editing(database: Database, passwords: PasswordPool) -> None:
    async with database.transaction() as s:
        demo = await seed_demo_city(s, password_hash=await passwords.hash(DEMO_PASSWORD))
    city = as_subject(demo.users["city-admin"], demo.orgs["city"].path)
    assert "admin" in grantable_roles(city) and "party" not in grantable_roles(city)
    assert "guest" not in grantable_roles(city)
    mediator = as_subject(demo.users["mediator-east"], demo.orgs["east"].path)
    assert grantable_roles(mediator) == []

    async def update(who: Subject, key: str, changes: UserChanges) -> User:
        async with database.transaction() as s:
            user = await s.get(User, demo.users[key].id)
            assert user is not None
            return await do_update_user(s, who, user, changes)

    async def refused(who: Subject, key: str, changes: UserChanges) -> str:
        with pytest.raises(DomainError) as caught:
            await update(who, key, changes)
        return caught.value.code

    # an administrator of a township
    await update(city, "intake", UserChanges(role="admin"))
    intake = demo.users["intake"]
    town = Subject(id=intake.id, name="东城管理员", role="admin", org_path=demo.orgs["east"].path)
    assert await refused(city, "city-admin", UserChanges(active=False)) == "bad_request"  # self
    assert await refused(city, "city-admin", UserChanges(role="mediator")) == "bad_request"
    assert await refused(town, "mediator-east", UserChanges(role="party")) == "role_not_grantable"
    assert (
        await refused(town, "mediator-east", UserChanges(organisation_id=demo.orgs["west"].id))
        == "forbidden"  # outside the township
    )
    async with database.transaction() as s:
        new = await do_create_organisation(
            s, code="330101009", name="新社区", level=TOWNSHIP, parent=demo.orgs["east"], actor="t"
        )
    moved = await update(town, "mediator-east", UserChanges(organisation_id=new.id))
    assert moved.organisation_id == new.id
