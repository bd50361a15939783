"""Database engine, sessions and migrations (SQLAlchemy async + Alembic).
SQLite by default, PostgreSQL by URL (postgresql+asyncpg://...)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from rooms.transaction import WRITE_UNIT, begin_unit, run_in_transaction

T = TypeVar("T")
MIGRATIONS = Path(__file__).parent / "migrations"


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # we emit BEGIN ourselves (below), not the driver: SQLAlchemy's recipe
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            immediate = conn.get_execution_options().get(WRITE_UNIT)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_async_engine(url, pool_pre_ping=True)


def alembic_config(connection: Connection) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head", *, down: bool = False) -> None:
    """Upgrade (or downgrade) the schema to `revision`."""

    def run(connection: Connection) -> None:
        config = alembic_config(connection)
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def init_schema(engine: AsyncEngine) -> None:
    """Bring the schema up to date (every start; a no-op when current)."""
    await migrate(engine, "head")


class Database:
    """The engine plus a session factory; one per application.

    `session()` is for reading; writes go through `run(work)` (a retried unit of
    work, rooms.transaction) or, in scripts and tests, `transaction()`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work, committed on leaving the block (not retried)."""
        async with self.sessions() as session:
            await begin_unit(session)
            yield session
            await session.commit()

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]], *, attempts: int = 10) -> T:
        """Run `work` as one unit of work, retried where the database asks for it."""
        return await run_in_transaction(self.sessions, work, attempts=attempts)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()
