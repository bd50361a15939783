"""Password hashing (argon2id via argon2-cffi) on a small bounded thread pool.

Argon2 is deliberately slow (about 0.1-0.2 s and 64 MiB per run) and the event
loop forwards media, so every hash and check runs on PasswordPool's worker
threads (argon2-cffi releases the GIL while it works). At most `workers` run at
once and at most `max_waiting` wait; beyond that PasswordPool refuses at once
(PoolBusy) instead of queueing without end. Unknown usernames are checked against
one dummy hash made at start, so they cost exactly one Argon2 run, as known ones do.
Clear passwords are never stored.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["PasswordPool", "PoolBusy", "one_time_password"]


def _lower_priority() -> None:
    """Argon2 threads (and the lane threads libargon2 starts from them) yield the
    CPU to the event loop: on Linux a thread has a nice value of its own."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # not Linux, or not allowed: run as is
        pass


class PoolBusy(Exception):
    """More password work is waiting than the pool accepts: try again shortly."""


class PasswordPool:
    def __init__(self, workers: int = 1, max_waiting: int = 16) -> None:
        self._hasher = PasswordHasher()
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="argon2", initializer=_lower_priority
        )
        self._max_pending = workers + max_waiting
        self._pending = 0
        self._dummy: str | None = None
        self._dummy_lock = asyncio.Lock()

    async def _run(self, fn: object, *args: str) -> object:
        if self._pending >= self._max_pending:
            raise PoolBusy("password work queue full")
        self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, fn, *args)  # type: ignore[arg-type]
        finally:
            self._pending -= 1

    async def hash(self, password: str) -> str:
        return str(await self._run(self._hasher.hash, password))

    async def check(self, password_hash: str | None, password: str) -> bool:
        """Does `password` match? `password_hash` None (no such user): one Argon2 run
        against the dummy hash, then False; the same work as a wrong password."""
        if password_hash is None:
            password_hash = await self._dummy_hash()
            await self._run(self._check, password_hash, password)
            return False
        return bool(await self._run(self._check, password_hash, password))

    async def _dummy_hash(self) -> str:
        async with self._dummy_lock:
            if self._dummy is None:
                self._dummy = await self.hash(secrets.token_urlsafe(16))
            return self._dummy

    async def warm_up(self) -> None:
        """Make the dummy hash now (at start) rather than on the first unknown login."""
        await self._dummy_hash()

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def one_time_password() -> str:
    """A password to print once, for a new admin to change."""
    return secrets.token_urlsafe(12)
