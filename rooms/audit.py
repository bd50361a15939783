"""The audit log: append-only and hash-chained, so an edited or deleted entry shows.

hash_i = SHA-256(hash_{i-1} || canonical JSON of entry i); the first entry's
previous hash is 64 zeros. `verify_audit_chain` recomputes every link and names
the first entry that doesn't match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.models import AuditEntry, utcnow

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x6D6861756469  # "mhaudi": the advisory lock audit appends take (PostgreSQL)


def _entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    body = {
        "seq": entry.seq,
        "at": _utc(entry.at).isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "ip": entry.ip,
        "detail": entry.detail,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(prev_hash.encode() + canonical.encode()).hexdigest()


def _utc(at: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)


async def do_append_audit(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target: str,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the caller's unit of work (rooms.transaction); it commits
    with the change it records, or not at all. Appends serialise: on SQLite the
    unit holds the write lock from its start, on PostgreSQL this takes a
    transaction-scoped advisory lock before reading the last entry; should two
    appends still race, the unique sequence number refuses one and its unit is
    run again."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
    last = (
        await session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    ).scalar_one_or_none()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor=actor,
        action=action,
        target=target,
        ip=ip,
        detail=detail or {},
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    entry.hash = _entry_hash(entry.prev_hash, entry)
    session.add(entry)
    await session.flush()
    return entry


@dataclass
class AuditReport:
    entries: int
    first_bad_seq: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


async def verify_audit_chain(session: AsyncSession) -> AuditReport:
    prev = GENESIS
    expected_seq = 1
    count = 0
    rows = (await session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars()
    for entry in rows:
        count += 1
        if entry.seq != expected_seq:
            return AuditReport(count, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev:
            return AuditReport(count, entry.seq, "previous-hash link broken")
        if _entry_hash(prev, entry) != entry.hash:
            return AuditReport(count, entry.seq, "entry content does not match its hash")
        prev = entry.hash
        expected_seq += 1
    return AuditReport(count, None, None)
