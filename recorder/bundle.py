"""Reading a recording to verify it: a directory, or an exported zip read in place.

A zip comes from outside and is untrusted: it is never extracted. Before anything
is read its table is checked (entry count, no duplicate names, declared sizes
against the total cap, compression ratio), and every entry is then read as a
stream in 1 MiB chunks that may not exceed its declared size, so a zip bomb or
a lying header is refused in bounded memory and with nothing written to disk.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from recorder.chain import new_hash

CHUNK = 1 << 20


class BundleRefused(Exception):
    """The bundle is not read at all: `reason` says why (English), `zh` in Chinese."""

    def __init__(self, reason: str, zh: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.zh = zh


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 100_000
    max_total_bytes: int = 256 << 30  # all entries, uncompressed, as declared
    max_small_bytes: int = 16 << 20  # manifest, signature, key, timestamp token
    max_ratio: float = 50.0  # uncompressed/compressed, for entries over ratio_floor
    ratio_floor: int = 1 << 20


class Source(Protocol):
    """What verification reads: names, small files whole, large ones hashed as streams."""

    def names(self) -> set[str]: ...

    def read_small(self, name: str) -> bytes | None:
        """The whole file (at most max_small_bytes); None when it is absent."""
        ...

    def hash(self, algorithm: str, name: str) -> str | None:
        """The file's hash, read as a stream; None when it is absent."""
        ...

    @contextmanager
    def on_disk(self, *names: str) -> Iterator[Path]:
        """A directory holding these (small) files, for tools that need paths."""
        ...


def _hash_stream(algorithm: str, stream: IO[bytes], limit: int | None, name: str) -> str:
    h = new_hash(algorithm)
    seen = 0
    while chunk := stream.read(CHUNK):
        seen += len(chunk)
        if limit is not None and seen > limit:
            raise BundleRefused(
                f"{name}: more data than its declared size {limit}",
                f"{name}: 实际数据多于声明的大小 {limit}",
            )
        h.update(chunk)
    if limit is not None and seen != limit:
        raise BundleRefused(
            f"{name}: {seen} bytes, declared {limit}", f"{name}: 实际 {seen} 字节, 声明 {limit}"
        )
    return str(h.hexdigest())


class DirSource:
    def __init__(self, directory: Path, limits: ZipLimits = ZipLimits()) -> None:
        self.directory = directory
        self.limits = limits

    def names(self) -> set[str]:
        return {p.name for p in self.directory.iterdir() if p.is_file()}

    def read_small(self, name: str) -> bytes | None:
        path = self.directory / name
        if not path.is_file():
            return None
        if path.stat().st_size > self.limits.max_small_bytes:
            raise BundleRefused(f"{name} is too large", f"{name} 过大")
        return path.read_bytes()

    def hash(self, algorithm: str, name: str) -> str | None:
        path = self.directory / Path(name).name
        if not path.is_file():
            return None
        with open(path, "rb") as f:
            return _hash_stream(algorithm, f, None, name)

    @contextmanager
    def on_disk(self, *names: str) -> Iterator[Path]:
        yield self.directory


class ZipSource:
    def __init__(self, zf: zipfile.ZipFile, limits: ZipLimits = ZipLimits()) -> None:
        self.zf = zf
        self.limits = limits
        self.entries: dict[str, zipfile.ZipInfo] = {}
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise BundleRefused(
                f"{len(infos)} entries (at most {limits.max_entries})",
                f"条目过多: {len(infos)} (上限 {limits.max_entries})",
            )
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            name = Path(info.filename.replace("\\", "/")).name  # flat bundle; no paths out
            if not name:
                continue
            if name in self.entries:
                raise BundleRefused(
                    f"duplicate entry {name!r}: which copy is the evidence?",
                    f"重复的条目 {name!r}: 无法确定哪一份是证据",
                )
            total += info.file_size
            if total > limits.max_total_bytes:
                raise BundleRefused(
                    f"declared size over {limits.max_total_bytes} bytes",
                    f"声明的总大小超过 {limits.max_total_bytes} 字节",
                )
            if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise BundleRefused(
                    f"{name}: compressed {info.compress_size:,} -> {info.file_size:,} bytes "
                    f"(a zip bomb?)",
                    f"{name}: 压缩比异常 {info.compress_size:,} -> {info.file_size:,} 字节"
                    " (压缩炸弹?)",
                )
            self.entries[name] = info

    def names(self) -> set[str]:
        return set(self.entries)

    def read_small(self, name: str) -> bytes | None:
        info = self.entries.get(name)
        if info is None:
            return None
        if info.file_size > self.limits.max_small_bytes:
            raise BundleRefused(f"{name} is too large", f"{name} 过大")
        with self.zf.open(info) as f:
            data = f.read(info.file_size + 1)
        if len(data) != info.file_size:
            raise BundleRefused(
                f"{name}: {len(data)} bytes, declared {info.file_size}",
                f"{name}: 实际 {len(data)} 字节, 声明 {info.file_size}",
            )
        return data

    def hash(self, algorithm: str, name: str) -> str | None:
        info = self.entries.get(name)
        if info is None:
            return None
        with self.zf.open(info) as f:
            return _hash_stream(algorithm, f, info.file_size, name)

    @contextmanager
    def on_disk(self, *names: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="evidence-") as tmp:
            for name in names:
                data = self.read_small(name)
                if data is not None:
                    (Path(tmp) / name).write_bytes(data)
            yield Path(tmp)


@contextmanager
def open_source(source: Path, limits: ZipLimits = ZipLimits()) -> Iterator[Source]:
    if source.is_dir():
        yield DirSource(source, limits)
        return
    with zipfile.ZipFile(source) as zf:
        yield ZipSource(zf, limits)
