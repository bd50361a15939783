"""Migrations upgrade an empty database and downgrade cleanly, on both engines."""

from sqlalchemy import inspect

from rooms.db import Database, migrate


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_and_downgrade(database: Database) -> None:
    tables = await _tables(database)  # the fixture migrated to head
    assert {"organisations", "users", "cases", "rooms", "invitations", "audit_log"} <= tables
    await migrate(database.engine, "base", down=True)
    assert await _tables(database) <= {"alembic_version"}
    await migrate(database.engine, "head")
    assert await _tables(database) == tables
