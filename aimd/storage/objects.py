"""Object points and blobs: the values stored under X and O keys (see aimd.storage.keys).

A tracked object (an image, a distribution, a text, an audio) is stored as a record of its point
plus a blob. The record holds the object's meta (a JSON object: caption, format, size, ...) and
the SHA-256 of its blob; the blob holds the encoded bytes (PNG, WAV, float64 weights, UTF-8),
stored once however many points name it. Listing or reading a sequence reads records only.

    point   (X key)          u8 format (1) | f64 LE epoch (NaN: none) | f64 LE time | u32 LE n
                             | n records: 32-byte SHA-256 | u32 LE meta length | meta (UTF-8 JSON)
    header  (O <sha>)        u8 format (1) | u64 LE size | u32 LE chunks; present once the blob is
                             complete and its SHA-256 verified. Format 2: the bytes are in the
                             object store (aimd.storage.blob_store) and no chunk is kept here
    chunk   (O <sha> 0 <i>)  bytes [i * BLOB_CHUNK_BYTES, (i + 1) * BLOB_CHUNK_BYTES) of the blob

Blob bytes are stored as they came (no compression: encoded images and audio do not compress).
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from aimproto.contract import SHA256_BYTES

# The chunk size of the wire contract (common.proto, Limits.BLOB_CHUNK_BYTES; a test pins it):
# every chunk of a blob but its last holds exactly this many bytes, whoever sent it.
BLOB_CHUNK_BYTES = 2**20

_POINT = struct.Struct("<BddI")
_META_LEN = struct.Struct("<I")
_BLOB = struct.Struct("<BQI")
_FORMAT = 1
_REMOTE_FORMAT = 2  # a blob header whose bytes were moved to the object store


class ObjectRecord(NamedTuple):
    """One object of a point: its blob's SHA-256 and its meta (JSON object, UTF-8)."""

    sha256: bytes
    meta: bytes


def blob_chunks(size: int) -> int:
    """How many chunks a blob of size bytes has (one for an empty blob)."""
    return max(1, -(-size // BLOB_CHUNK_BYTES))


def chunk_bytes(size: int, index: int) -> int:
    """How many bytes chunk `index` of a blob of `size` bytes holds."""
    return min(BLOB_CHUNK_BYTES, size - index * BLOB_CHUNK_BYTES)


def encode_point(epoch: float, timestamp: float, records: list[ObjectRecord]) -> bytes:
    parts = [_POINT.pack(_FORMAT, epoch, timestamp, len(records))]
    for record in records:
        parts += (record.sha256, _META_LEN.pack(len(record.meta)), record.meta)
    return b"".join(parts)


def decode_point(data: bytes) -> tuple[float, float, list[ObjectRecord]]:
    """(epoch, time, records) of a point value."""
    fmt, epoch, timestamp, n = _POINT.unpack_from(data)
    if fmt != _FORMAT:
        raise ValueError(f"unknown object point format {fmt}")
    at = _POINT.size
    records = []
    for _ in range(n):
        sha = data[at : at + SHA256_BYTES]
        (length,) = _META_LEN.unpack_from(data, at + SHA256_BYTES)
        at += SHA256_BYTES + _META_LEN.size
        records.append(ObjectRecord(sha, data[at : at + length]))
        at += length
    return epoch, timestamp, records


def encode_blob_header(size: int) -> bytes:
    return _BLOB.pack(_FORMAT, size, blob_chunks(size))


def encode_remote_blob_header(size: int) -> bytes:
    return _BLOB.pack(_REMOTE_FORMAT, size, blob_chunks(size))


def decode_blob_header(data: bytes) -> tuple[int, int]:
    """(size, chunks) of a blob header."""
    fmt, size, chunks = _BLOB.unpack(data)
    if fmt not in (_FORMAT, _REMOTE_FORMAT):
        raise ValueError(f"unknown blob header format {fmt}")
    return size, chunks


def is_remote_blob(header: bytes) -> bool:
    """Whether a blob header says its bytes are in the object store."""
    return header[0] == _REMOTE_FORMAT
