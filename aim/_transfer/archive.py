"""The run archive: one portable file holding whole runs (aim export / aim import).

Layout (little-endian)::

    MAGIC (8 bytes) | format version (u32) | frame* | SHA-256 of every byte before it (32 bytes)
    frame = length (u32) | a protobuf message of aimproto.v1.transfer (aim._transport.transfer)

The first frame is an ArchiveHeader; then each run as the ImportParts the daemon's ImportRun
takes: an ImportStart, its blobs, series and object series, an ImportCommit. An archive is
checked whole (magic, version, checksum) before anything is imported, so a corrupt or truncated
file imports nothing; each run then lands whole or not at all, and a run the repository already
holds is skipped, so importing a file twice changes nothing. Export writes FILE.partial and
renames it once complete.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from aim.errors import ArchiveError

if TYPE_CHECKING:
    from aim._transport.transfer import Part

MAGIC = b"AIMRUNS\x00"
FORMAT_VERSION = 1
_LENGTH = struct.Struct("<I")
_DIGEST_BYTES = 32
_READ_BYTES = 1 << 20


class _HashingWriter:
    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.file.write(data)

    def frame(self, payload: bytes) -> None:
        self.write(_LENGTH.pack(len(payload)) + payload)


def write_archive(
    path: str | os.PathLike[str],
    runs: Iterable[tuple[str, Iterator[Part]]],
    run_hashes: list[str],
    producer: str,
) -> None:
    """Write runs (hash, its parts) to path: complete, or not at all."""
    from aim._transport.transfer import archive_header

    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as file:
            out = _HashingWriter(file)
            out.write(MAGIC + struct.pack("<I", FORMAT_VERSION))
            out.frame(archive_header(FORMAT_VERSION, producer, time.time(), run_hashes))
            for _, parts in runs:
                for part in parts:
                    out.frame(part.SerializeToString())
            file.write(out.digest.digest())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _open(path: str | os.PathLike[str]) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ArchiveError(f"cannot read the archive {path}: {exc.strerror}") from None


def verify(path: str | os.PathLike[str], on_bytes: Callable[[int], None] = lambda n: None) -> list[str]:
    """Check magic, format version and checksum; the hashes of the runs the archive holds."""
    size = os.path.getsize(path) if os.path.exists(path) else 0
    with _open(path) as file:
        start = file.read(len(MAGIC) + 4)
        if len(start) < len(MAGIC) + 4 or start[: len(MAGIC)] != MAGIC:
            raise ArchiveError(f"{path} is not a run archive made by `aim export`")
        (version,) = struct.unpack("<I", start[len(MAGIC) :])
        if version > FORMAT_VERSION:
            raise ArchiveError(
                f"{path} has archive format version {version}; this aim-tracker reads versions up to "
                f"{FORMAT_VERSION}: upgrade aim-tracker to import it"
            )
        digest = hashlib.sha256(start)
        left = size - len(start) - _DIGEST_BYTES
        if left < 0:
            raise ArchiveError(f"{path} is truncated: nothing was imported")
        while left:
            data = file.read(min(left, _READ_BYTES))
            if not data:
                break
            digest.update(data)
            left -= len(data)
            on_bytes(len(data))
        if file.read() != digest.digest():
            raise ArchiveError(
                f"{path} is corrupt or truncated (its checksum does not match): nothing was imported"
            )
    return _header(path)[0]


def _frames(
    path: str | os.PathLike[str], offset: int, parse: Callable[[bytes], Any]
) -> Iterator[tuple[int, Any]]:
    """(offset, parse(payload)) of each frame from offset on."""
    end = os.path.getsize(path) - _DIGEST_BYTES
    with _open(path) as file:
        file.seek(offset)
        while offset < end:
            (length,) = _LENGTH.unpack(file.read(_LENGTH.size))
            try:
                message = parse(file.read(length))
            except Exception as exc:  # DecodeError: a checksummed file from a broken writer
                raise ArchiveError(f"{path}: a frame does not parse ({exc})") from None
            yield offset, message
            offset += _LENGTH.size + length


def _header(path: str | os.PathLike[str]) -> tuple[list[str], int]:
    """The run hashes of the archive's header, and the offset of the frame after it."""
    from aim._transport.transfer import parse_archive_header

    start = len(MAGIC) + 4
    with _open(path) as file:
        file.seek(start)
        (length,) = _LENGTH.unpack(file.read(_LENGTH.size))
    _, hashes = next(_frames(path, start, parse_archive_header))
    return hashes, start + _LENGTH.size + length


def read_runs(path: str | os.PathLike[str]) -> Iterator[tuple[str, Iterator[Part]]]:
    """(run hash, its parts) for each run of a verified archive; each run's parts are read from
    the file as they are consumed, and a run may be left half read."""
    from aim._transport.transfer import parse_part, part_kind, started_hash

    _, first = _header(path)
    starts = [
        (offset, started_hash(part))
        for offset, part in _frames(path, first, parse_part)
        if part_kind(part) == "start"
    ]
    for offset, run_hash in starts:
        yield run_hash, _run_parts(path, offset)


def _run_parts(path: str | os.PathLike[str], offset: int) -> Iterator[Part]:
    from aim._transport.transfer import parse_part, part_kind

    for _, part in _frames(path, offset, parse_part):
        yield part
        if part_kind(part) == "commit":
            return
