"""Staff accounts against SQLite and PostgreSQL: passwords on the pool (outside
any unit of work), login sessions that end on logout, password change and
disable, each audited in the unit of work that makes the change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from rooms.accounts import (
    access_user_by_id,
    authenticate,
    change_password,
    check_session,
    do_end_session,
    do_set_password,
    do_set_user_active,
    do_start_session,
)
from rooms.audit import verify_audit_chain
from rooms.db import Database
from rooms.demo import DEMO_PASSWORD, seed_demo_city
from rooms.domain import DomainError
from rooms.models import AuditEntry, User
from rooms.passwords import PasswordPool
from rooms.policy import Subject
from rooms.tokens import AccessToken, TokenError


@pytest.fixture
def passwords() -> Iterator[PasswordPool]:
    pool = PasswordPool()
    yield pool
    pool.close()


def token_of(user_id: str, sid: str | None, role: str = "mediator") -> AccessToken:
    return AccessToken(sub=user_id, name="x", role=role, exp=0, sid=sid)


async def _seed(database: Database, passwords: PasswordPool):  # type: ignore[no-untyped-def]
    hashed = await passwords.hash(DEMO_PASSWORD)
    async with database.transaction() as s:
        return await seed_demo_city(s, password_hash=hashed)


async def test_passwords_are_hashed_and_checked(
    database: Database, passwords: PasswordPool
) -> None:
    demo = await _seed(database, passwords)
    user = demo.users["mediator-east"]
    async with database.session() as s:
        found = await authenticate(s, passwords, "mediator-east", DEMO_PASSWORD)
    assert found.password_hash.startswith("$argon2") and DEMO_PASSWORD not in found.password_hash
    await change_password(database, passwords, user.id, DEMO_PASSWORD, "a-new-password")
    async with database.session() as s:
        assert (await authenticate(s, passwords, "mediator-east", "a-new-password")).id == user.id
        for name, password in (("mediator-east", DEMO_PASSWORD), ("nobody", DEMO_PASSWORD)):
            with pytest.raises(DomainError) as refused:
                await authenticate(s, passwords, name, password)
            assert refused.value.code == "bad_credentials"
    with pytest.raises(DomainError) as wrong:
        await change_password(database, passwords, user.id, "not-it", "whatever-123")
    assert wrong.value.code == "bad_credentials"
    with pytest.raises(DomainError) as short:
        await change_password(database, passwords, user.id, "a-new-password", "short")
    assert short.value.code == "weak_password"


async def test_a_password_changed_meanwhile_is_not_overwritten(
    database: Database, passwords: PasswordPool
) -> None:
    demo = await _seed(database, passwords)
    user = demo.users["mediator-east"]
    stale = user.password_hash  # what a slow change checked, before another one landed
    await change_password(database, passwords, user.id, DEMO_PASSWORD, "first-change-1")
    with pytest.raises(DomainError) as late:
        await database.run(lambda s: do_set_password(s, user.id, "x", checked_hash=stale))
    assert late.value.status == 409


async def test_sessions_end_on_logout_password_change_and_disable(
    database: Database, passwords: PasswordPool
) -> None:
    demo = await _seed(database, passwords)
    user, admin = demo.users["mediator-east"], demo.users["city-admin"]

    async def start(who: User, ttl_s: float = 600) -> str:
        row = await database.run(lambda s: do_start_session(s, who, ttl_s=ttl_s))
        return row.id

    async def check(who: str, sid: str | None, role: str = "mediator") -> None:
        async with database.session() as s:
            await check_session(s, token_of(who, sid, role))

    a, b, c = await start(user), await start(user), await start(user)
    for sid in (a, b, c):
        await check(user.id, sid)  # live

    await database.run(lambda s: do_end_session(s, token_of(user.id, a), ip="10.0.0.1"))
    with pytest.raises(TokenError) as ended:
        await check(user.id, a)
    assert ended.value.code == "session_ended"
    await check(user.id, b)  # the others still live

    # a password change ends every session but the one that made it
    ended_count = await change_password(
        database, passwords, user.id, DEMO_PASSWORD, "another-password", keep_session=c
    )
    assert ended_count == 1
    await check(user.id, c)
    with pytest.raises(TokenError):
        await check(user.id, b)

    # disabling ends all of them, and no new login works
    boss = Subject(admin.id, "a", "admin", org_path=demo.orgs["city"].path)

    async def set_active(active: bool) -> None:
        async def unit(s):  # type: ignore[no-untyped-def]
            target = await access_user_by_id(s, boss, user.id)
            await do_set_user_active(s, boss, target, active)

        await database.run(unit)

    await set_active(False)
    with pytest.raises(TokenError):
        await check(user.id, c)
    async with database.session() as s:
        with pytest.raises(DomainError):
            await authenticate(s, passwords, "mediator-east", "another-password")
    await set_active(True)
    with pytest.raises(TokenError):  # enabling again doesn't revive old sessions
        await check(user.id, c)

    # a staff token without a session, or naming another user's session, is refused
    with pytest.raises(TokenError):
        await check(user.id, None)
    d = await start(admin)
    with pytest.raises(TokenError):
        await check(user.id, d)
    e = await start(admin, ttl_s=-1)  # an expired session
    with pytest.raises(TokenError) as late:
        await check(admin.id, e, "admin")
    assert late.value.code == "token_expired"

    async with database.session() as s:
        actions = list(
            (await s.execute(select(AuditEntry.action).order_by(AuditEntry.seq))).scalars()
        )
        for action in ("login", "logout", "user.password", "user.disable", "user.enable"):
            assert action in actions, action
        assert (await verify_audit_chain(s)).ok


async def test_user_management_stays_inside_the_subtree(
    database: Database, passwords: PasswordPool
) -> None:
    demo = await _seed(database, passwords)
    admin = demo.users["city-admin"]
    boss = Subject(admin.id, "a", "admin", org_path=demo.orgs["city"].path)
    township_admin = Subject("t", "t", "admin", org_path=demo.orgs["west"].path)
    async with database.transaction() as s:
        with pytest.raises(DomainError) as outside:
            await access_user_by_id(s, township_admin, demo.users["mediator-east"].id)
        assert outside.value.status == 403
        mediator = Subject("m", "m", "mediator", org_path=demo.orgs["east"].path)
        with pytest.raises(DomainError):
            await access_user_by_id(s, mediator, demo.users["reviewer"].id)
        with pytest.raises(DomainError) as self_disable:
            await do_set_user_active(s, boss, admin, False)
        assert self_disable.value.code == "bad_request"
