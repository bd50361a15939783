"""Staff accounts against SQLite and PostgreSQL: passwords on the pool, login
sessions that end on logout, password change and disable, each audited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from rooms.accounts import (
    access_user_by_id,
    authenticate,
    check_session,
    do_change_password,
    do_end_session,
    do_set_user_active,
    do_start_session,
)
from rooms.audit import verify_audit_chain
from rooms.db import Database
from rooms.demo import DEMO_PASSWORD, seed_demo_city
from rooms.domain import DomainError
from rooms.models import AuditEntry
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


async def test_passwords_are_hashed_and_checked(
    database: Database, passwords: PasswordPool
) -> None:
    async with database.session() as s:
        await seed_demo_city(s, passwords=passwords)
        user = await authenticate(s, passwords, "mediator-east", DEMO_PASSWORD)
        assert user.password_hash.startswith("$argon2") and DEMO_PASSWORD not in user.password_hash
        await do_change_password(s, passwords, user.id, DEMO_PASSWORD, "a-new-password")
        assert (await authenticate(s, passwords, "mediator-east", "a-new-password")).id == user.id
        for name, password in (("mediator-east", DEMO_PASSWORD), ("nobody", DEMO_PASSWORD)):
            with pytest.raises(DomainError) as refused:
                await authenticate(s, passwords, name, password)
            assert refused.value.code == "bad_credentials"


async def test_sessions_end_on_logout_password_change_and_disable(
    database: Database, passwords: PasswordPool
) -> None:
    async with database.session() as s:
        demo = await seed_demo_city(s, passwords=passwords)
        user = demo.users["mediator-east"]
        a, b, c = [await do_start_session(s, user, ttl_s=600) for _ in range(3)]
        for row in (a, b, c):
            await check_session(s, token_of(user.id, row.id))  # live

        await do_end_session(s, token_of(user.id, a.id), ip="10.0.0.1")
        with pytest.raises(TokenError) as ended:
            await check_session(s, token_of(user.id, a.id))
        assert ended.value.code == "session_ended"
        await check_session(s, token_of(user.id, b.id))  # the others still live

        # a password change ends every session but the one that made it
        await do_change_password(
            s, passwords, user.id, DEMO_PASSWORD, "another-password", keep_session=c.id
        )
        await check_session(s, token_of(user.id, c.id))
        with pytest.raises(TokenError):
            await check_session(s, token_of(user.id, b.id))

        # disabling ends all of them, and no new login works
        admin = demo.users["city-admin"]
        boss = Subject(admin.id, "a", "admin", org_path=demo.orgs["city"].path)
        target = await access_user_by_id(s, boss, user.id)
        await do_set_user_active(s, boss, target, False)
        with pytest.raises(TokenError):
            await check_session(s, token_of(user.id, c.id))
        with pytest.raises(DomainError):
            await authenticate(s, passwords, "mediator-east", "another-password")
        await do_set_user_active(s, boss, target, True)
        with pytest.raises(TokenError):  # enabling again doesn't revive old sessions
            await check_session(s, token_of(user.id, c.id))

        # a staff token without a session, or naming another user's session, is refused
        with pytest.raises(TokenError):
            await check_session(s, token_of(user.id, None))
        d = await do_start_session(s, admin, ttl_s=600)
        with pytest.raises(TokenError):
            await check_session(s, token_of(user.id, d.id))
        # an expired session
        e = await do_start_session(s, admin, ttl_s=-1)
        with pytest.raises(TokenError) as late:
            await check_session(s, token_of(admin.id, e.id, "admin"))
        assert late.value.code == "token_expired"

        actions = list(
            (await s.execute(select(AuditEntry.action).order_by(AuditEntry.seq))).scalars()
        )
        for action in ("login", "logout", "user.password", "user.disable", "user.enable"):
            assert action in actions, action
        assert (await verify_audit_chain(s)).ok


async def test_user_management_stays_inside_the_subtree(
    database: Database, passwords: PasswordPool
) -> None:
    async with database.session() as s:
        demo = await seed_demo_city(s, passwords=passwords)
        admin = demo.users["city-admin"]
        boss = Subject(admin.id, "a", "admin", org_path=demo.orgs["city"].path)
        township_admin = Subject("t", "t", "admin", org_path=demo.orgs["west"].path)
        with pytest.raises(DomainError) as outside:
            await access_user_by_id(s, township_admin, demo.users["mediator-east"].id)
        assert outside.value.status == 403
        mediator = Subject("m", "m", "mediator", org_path=demo.orgs["east"].path)
        with pytest.raises(DomainError):
            await access_user_by_id(s, mediator, demo.users["reviewer"].id)
        with pytest.raises(DomainError) as self_disable:
            await do_set_user_active(s, boss, admin, False)
        assert self_disable.value.code == "bad_request"
