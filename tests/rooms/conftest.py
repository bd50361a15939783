"""Domain tests run against SQLite and against a real PostgreSQL 15."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from rooms.db import Database, init_schema
from tests.pg import create_database, postgres_cluster

_names = itertools.count()


@pytest.fixture(scope="session")
def pg_prefix() -> Iterator[str]:
    with postgres_cluster() as prefix:
        yield prefix


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    else:
        url = await create_database(request.getfixturevalue("pg_prefix"), f"t{next(_names)}")
    db = Database(url)
    await init_schema(db.engine)
    yield db
    await db.close()
