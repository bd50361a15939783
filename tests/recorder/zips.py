"""Hostile zip files for tests, written byte by byte (zipfile won't make them).

bomb(): an entry of `mib` MiB of zeros in about a thousandth of that, built in
milliseconds by repeating one independently decodable deflate block.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DEFLATED, STORED = 8, 0
MIB = 1 << 20


@dataclass
class Entry:
    name: str
    chunks: Iterable[bytes]  # the entry's data as stored (compressed for DEFLATED)
    crc: int
    size: int  # uncompressed size
    method: int = STORED
    declared_size: int | None = None  # a lie in the headers, if set


def stored(name: str, data: bytes) -> Entry:
    return Entry(name, [data], zlib.crc32(data), len(data))


def zeros_deflated(mib: int) -> Entry:
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = block.compress(bytes(MIB)) + block.flush(zlib.Z_FULL_FLUSH)  # no back-references
    tail = block.flush(zlib.Z_FINISH)
    crc = 0
    zero = bytes(MIB)
    for _ in range(mib):
        crc = zlib.crc32(zero, crc)
    return Entry("", [*([one] * mib), tail], crc, mib * MIB, DEFLATED)


def write_zip(path: Path, entries: list[Entry]) -> Path:
    central = b""
    with open(path, "wb") as f:
        for entry in entries:
            offset = f.tell()
            name = entry.name.encode()
            data = b"".join(entry.chunks)
            size = entry.size if entry.declared_size is None else entry.declared_size
            fields = (20, 0, entry.method, 0, 0x21, entry.crc, len(data), size, len(name), 0)
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name + data)
            central += (
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    20,
                    *fields[:-1],
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + name
            )
        start = f.tell()
        f.write(central)
        n = len(entries)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), start, 0))
    return path


def bomb(path: Path, mib: int = 1024, name: str = "t01-00001.webm") -> Path:
    entry = zeros_deflated(mib)
    entry.name = name
    return write_zip(path, [entry])
