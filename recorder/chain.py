"""Segment hashes and the hash chain that orders them.

c_i = H(c_{i-1} || segment_hash || seq || start || duration || producer), with
seq a 64-bit big-endian integer, start (epoch) and duration as 64-bit big-endian
microseconds, producer (the track id) as UTF-8 with a 16-bit length prefix.
c_{-1} = H("mediation-hub/evidence-chain/v1" || recording_id), so a chain is tied
to its recording. H is SHA-256, or SM3 where OpenSSL provides it.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALGORITHMS = ("sha256", "sm3")
GENESIS_LABEL = b"mediation-hub/evidence-chain/v1"


class HashUnavailable(Exception):
    """The configured hash algorithm is not provided by this Python/OpenSSL build."""


def new_hash(algorithm: str) -> Any:
    if algorithm not in ALGORITHMS:
        raise HashUnavailable(f"unknown hash algorithm {algorithm!r}; use one of {ALGORITHMS}")
    try:
        return hashlib.new(algorithm)
    except ValueError:
        raise HashUnavailable(
            f"{algorithm} is not provided by this OpenSSL build "
            f"({hashlib.algorithms_available!r} are); set recorder.hash_algorithm = 'sha256'"
        ) from None


def check_algorithm(algorithm: str) -> None:
    """Raise HashUnavailable now rather than when the first segment closes."""
    new_hash(algorithm)


def hash_file(algorithm: str, path: Path) -> str:
    h = new_hash(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return str(h.hexdigest())


def hash_bytes(algorithm: str, data: bytes) -> str:
    h = new_hash(algorithm)
    h.update(data)
    return str(h.hexdigest())


def genesis(algorithm: str, recording_id: str) -> str:
    return hash_bytes(algorithm, GENESIS_LABEL + recording_id.encode())


def _us(seconds: float) -> int:
    return round(seconds * 1_000_000)


@dataclass(frozen=True)
class ChainEntry:
    """What the chain commits to for one segment."""

    seq: int
    segment_hash: str
    start: float  # epoch seconds, first frame's arrival at the hub
    duration: float  # seconds
    producer: str  # track id

    def link(self, algorithm: str, previous: str) -> str:
        producer = self.producer.encode()
        h = new_hash(algorithm)
        h.update(bytes.fromhex(previous))
        h.update(bytes.fromhex(self.segment_hash))
        h.update(struct.pack(">QqqH", self.seq, _us(self.start), _us(self.duration), len(producer)))
        h.update(producer)
        return str(h.hexdigest())


class Chain:
    """The running chain of one recording."""

    def __init__(self, algorithm: str, recording_id: str, head: str | None = None) -> None:
        check_algorithm(algorithm)
        self.algorithm = algorithm
        self.head = head or genesis(algorithm, recording_id)

    def extend(self, entry: ChainEntry) -> str:
        self.head = entry.link(self.algorithm, self.head)
        return self.head
