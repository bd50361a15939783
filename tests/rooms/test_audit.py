"""The audit chain detects an edited, deleted or reordered entry and names it."""

from __future__ import annotations

from sqlalchemy import delete, update

from rooms.audit import do_append_audit, verify_audit_chain
from rooms.db import Database
from rooms.models import AuditEntry


async def _fill(db: Database, n: int = 6) -> None:
    async with db.transaction() as s:
        for i in range(n):
            await do_append_audit(
                s,
                actor=f"user-{i}",
                action="case.view",
                target=f"case:{i}",
                ip="127.0.0.1",
                detail={"i": i, "名称": "调解"},
            )


async def test_untouched_chain_verifies(database: Database) -> None:
    await _fill(database)
    async with database.session() as s:
        report = await verify_audit_chain(s)
    assert report.ok and report.entries == 6


async def test_edited_entry_is_named(database: Database) -> None:
    await _fill(database)
    async with database.session() as s:
        await s.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(actor="someone-else"))
        await s.commit()
        report = await verify_audit_chain(s)
    assert not report.ok and report.first_bad_seq == 4


async def test_deleted_entry_is_named(database: Database) -> None:
    await _fill(database)
    async with database.session() as s:
        await s.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
        await s.commit()
        report = await verify_audit_chain(s)
    assert not report.ok and report.first_bad_seq == 3 and "missing" in (report.reason or "")
