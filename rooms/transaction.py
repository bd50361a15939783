"""Units of work: a write and its audit entry commit together, or not at all.

    room = await database.run(lambda s: do_create_case_room(s, subject, case, path))

Actions (`do_<verb>_<noun>`) never commit: they change rows, flush, and append
their audit entry. The runner here begins the transaction, commits it, and runs
the whole unit again when the database asks for that:

- SQLite: a unit begins with BEGIN IMMEDIATE, so it holds the one write lock from
  its first statement (what it read cannot go stale under it: no
  SQLITE_BUSY_SNAPSHOT); "database is locked" after the busy timeout is retried.
- PostgreSQL: serialisation failures and deadlocks (40001, 40P01) are retried;
  audit appends serialise on a transaction-scoped advisory lock (rooms.audit).
- both: a unique violation means two check-then-insert units raced (on an audit
  sequence number, a username, ...); the unit runs again and now sees the other
  one's row, and answers as the domain would (409, or the next sequence number).

Retries back off exponentially with jitter; after `attempts` the error propagates.
A unit must not touch anything but the database (it may run more than once).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Execution option on a unit's connection: rooms.db begins it with BEGIN IMMEDIATE
# on SQLite (other databases ignore it).
WRITE_UNIT = "hub_write_unit"

_PG_RETRY = {"40001", "40P01", "23505"}  # serialization_failure, deadlock, unique_violation
_SQLITE_RETRY = ("database is locked", "database table is locked", "unique constraint failed")


async def begin_unit(session: AsyncSession) -> None:
    """Begin `session`'s transaction as a unit of work (before its first statement)."""
    await session.connection(execution_options={WRITE_UNIT: True})


def is_retryable(exc: BaseException) -> bool:
    """Does the database ask us to run the unit again?"""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code is not None:
        return str(code) in _PG_RETRY
    text = str(orig).lower()
    if isinstance(exc, OperationalError | IntegrityError):
        return any(marker in text for marker in _SQLITE_RETRY)
    return False


async def run_in_transaction(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    attempts: int = 10,
) -> T:
    """Run `work(session)` in one transaction and commit; retry the whole unit
    where the database asks for it (see the module docstring)."""
    for attempt in range(1, attempts + 1):
        async with sessions() as session:
            try:
                await begin_unit(session)
                result = await work(session)
                await session.commit()
                return result
            except DBAPIError as exc:
                await session.rollback()
                if attempt == attempts or not is_retryable(exc):
                    raise
                logger.debug("unit of work retried (%d): %s", attempt, exc.orig)
        # exponential back-off with full jitter: 5 ms, 10 ms, ... capped at 0.4 s
        await asyncio.sleep(random.uniform(0, min(0.4, 0.005 * 2**attempt)))
    raise AssertionError("unreachable")
