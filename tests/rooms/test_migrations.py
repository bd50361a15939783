"""Migrations upgrade an empty database and downgrade cleanly, on both engines."""

from typing import Any

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


async def test_migrations_match_the_models(database: Database) -> None:
    """What Alembic builds is what rooms.models declares (a forgotten migration fails)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from rooms.models import Base

    def diff(connection: Any) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    async with database.engine.connect() as conn:
        assert await conn.run_sync(diff) == []
