"""Units of work against SQLite and a real PostgreSQL 15: concurrent audited
writes get gapless sequence numbers, a check-then-insert race is run again and
answered as the domain would, and nothing half-done is ever committed."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.audit import do_append_audit, verify_audit_chain
from rooms.db import Database
from rooms.domain import DomainError, do_create_user, do_ensure_root_organisation
from rooms.models import AuditEntry, User


async def test_concurrent_appends_get_gapless_sequence_numbers(database: Database) -> None:
    async def append(i: int) -> int:
        entry = await database.run(
            lambda s: do_append_audit(s, actor=f"u{i}", action="test", target=f"t:{i}")
        )
        return entry.seq

    seqs = await asyncio.gather(*(append(i) for i in range(50)))
    assert sorted(seqs) == list(range(1, 51))
    async with database.session() as s:
        report = await verify_audit_chain(s)
    assert report.ok and report.entries == 50


async def test_a_check_then_insert_race_is_run_again(database: Database) -> None:
    async with database.transaction() as s:
        root = await do_ensure_root_organisation(s)

    async def create() -> str:
        async def work(s: AsyncSession) -> User:
            org = await s.get(type(root), root.id)
            assert org is not None
            return await do_create_user(
                s,
                username="same-name",
                display_name="x",
                role="mediator",
                organisation=org,
                password_hash="not-a-real-hash",
                actor="test",
            )

        try:
            await database.run(work)
        except DomainError as exc:
            return exc.code
        return "created"

    results = await asyncio.gather(*(create() for _ in range(8)))
    assert sorted(results) == ["conflict"] * 7 + ["created"]
    async with database.session() as s:
        users = await s.scalar(select(func.count()).select_from(User))
        creates = await s.scalar(select(func.count()).where(AuditEntry.action == "user.create"))
        assert (await verify_audit_chain(s)).ok
    assert users == 1 and creates == 1


async def test_a_failed_unit_leaves_nothing(database: Database) -> None:
    async def work(s: AsyncSession) -> None:
        await do_append_audit(s, actor="a", action="test", target="t")
        raise DomainError("bad_request", "refused after the audit entry")

    with pytest.raises(DomainError):
        await database.run(work)
    async with database.session() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0
