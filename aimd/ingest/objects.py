"""Object sequences and blobs, as steps of a write transaction.

Blobs are content-addressed. Each chunk is staged under O <sha> 0 <i>; the chunk that ends a
blob (senders send a blob's chunks in order, so its last chunk comes last) has the whole blob's
SHA-256 checked and writes the header O <sha>. A chunk of a blob whose header exists is skipped:
identical blobs are stored once, whoever tracked them. A blob a client never finished (it died
mid-way) leaves chunks without a header; whoever sends that blob next completes it.

Object points: one key per step (X ... <step>), so they are stored step-ordered and a point at a
stored step replaces it. The sequence's S meta keeps dtype, count and first/last step (values
NaN), so listing needs no point and no blob. A point may only name complete blobs: stored, or
completed earlier in its batch (a batch's blob chunks are applied before its points).
"""

from __future__ import annotations

import hashlib
import json
import json.scanner
from dataclasses import dataclass

import numpy as np

from aimd.errors import InvalidInput, NotFound
from aimd.ingest import points
from aimd.ingest.transaction import Transaction
from aimd.storage import keys
from aimd.storage.blocks import DTYPE_NAMES, LIST_DTYPES, OBJECT_KINDS, SequenceMeta
from aimd.storage.objects import (
    ObjectRecord,
    blob_chunks,
    chunk_bytes,
    encode_blob_header,
    encode_point,
)
from aimproto.contract import MAX_BLOB_BYTES, MAX_META_BYTES, SHA256_BYTES

_scan_json = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # typeshed: it takes a decoder
# _scan_json(text, index): (value, end) of the JSON at an index


@dataclass(frozen=True)
class BlobPiece:
    """One checked chunk of a blob."""

    sha256: bytes
    size: int
    index: int
    data: bytes


@dataclass(frozen=True)
class ObjectPoints:
    """Checked points of one object sequence from one batch, their values already encoded."""

    run_hash: str
    name: str
    context: str  # canonical JSON
    dtype: int
    steps: list[int]
    values: list[bytes]  # aimd.storage.objects.encode_point, one per step
    shas: frozenset[bytes]  # every blob the points name


# --- decoding (on the event loop: checks only, nothing read) ----------------------------------
def decode_blob(sha256: bytes, size: int, index: int, data: bytes) -> BlobPiece:
    if len(sha256) != SHA256_BYTES:
        raise InvalidInput(f"a blob's sha256 must be {SHA256_BYTES} bytes, not {len(sha256)}")
    if size > MAX_BLOB_BYTES:
        raise InvalidInput(f"blob {sha256.hex()} of {size} bytes is over {MAX_BLOB_BYTES}")
    chunks = blob_chunks(size)
    if index >= chunks:
        raise InvalidInput(f"blob {sha256.hex()} of {size} bytes has {chunks} chunks, not a chunk {index}")
    expected = chunk_bytes(size, index)
    if len(data) != expected:
        raise InvalidInput(
            f"chunk {index} of blob {sha256.hex()} holds {len(data)} bytes, expected {expected}"
        )
    return BlobPiece(sha256, size, index, data)  # its SHA-256 is checked by put_blob_chunk


def decode_objects(
    run_hash: str,
    name: str,
    context: str,
    dtype: int,
    count: int,
    steps: bytes,
    epochs: bytes,
    stamps: bytes,
    record_counts: list[int],
    metas: list[str],
    shas: bytes,
) -> ObjectPoints:
    """Check the columns of an ObjectSeries and encode each point's stored value."""
    if dtype not in OBJECT_KINDS:
        raise InvalidInput(f"dtype {dtype} is not an object dtype")
    expected = 8 * count
    for column, data in (("steps", steps), ("epochs", epochs), ("timestamps", stamps)):
        if len(data) != expected:
            raise InvalidInput(f"{column} holds {len(data)} bytes, expected {expected} for {count} points")
    if len(record_counts) != count:
        raise InvalidInput(f"record_counts has {len(record_counts)} items, expected {count}")
    step_col = np.frombuffer(steps, "<i8")
    if count and int(step_col.min()) < 0:
        raise InvalidInput("steps must be >= 0")
    counts = np.asarray(record_counts, np.int64)
    if dtype in LIST_DTYPES:
        if count and int(counts.min()) < 1:
            raise InvalidInput(f"a point of a {DTYPE_NAMES[dtype]} sequence needs at least one record")
    elif count and not bool((counts == 1).all()):
        raise InvalidInput(f"a point of a {DTYPE_NAMES[dtype]} sequence holds exactly one record")
    total = int(counts.sum())
    if len(metas) != total or len(shas) != SHA256_BYTES * total:
        raise InvalidInput(
            f"{total} records need {total} metas and {SHA256_BYTES * total} sha bytes, "
            f"got {len(metas)} and {len(shas)}"
        )
    records = [
        ObjectRecord(shas[i * SHA256_BYTES : (i + 1) * SHA256_BYTES], _meta(m)) for i, m in enumerate(metas)
    ]
    values = []
    at = 0
    for epoch, stamp, n in zip(
        np.frombuffer(epochs, "<f8").tolist(),
        np.frombuffer(stamps, "<f8").tolist(),
        record_counts,
        strict=True,
    ):
        values.append(encode_point(epoch, stamp, records[at : at + n]))
        at += n
    return ObjectPoints(
        run_hash, name, context, dtype, step_col.tolist(), values, frozenset(r.sha256 for r in records)
    )


def _meta(text: str) -> bytes:
    """A record's meta checked to be one JSON object, as UTF-8."""
    raw = text.encode()
    if len(raw) > MAX_META_BYTES:
        raise InvalidInput(f"a record's meta is over {MAX_META_BYTES} bytes")
    try:
        parsed, end = _scan_json(text, 0)  # json.loads without its per-call overhead (measured 3x)
    except (StopIteration, ValueError, RecursionError):
        parsed, end = None, 0
    if type(parsed) is not dict or end != len(text):
        raise InvalidInput(f"a record's meta {text[:40]!r} is not a JSON object")
    return raw


# --- staging (on the writer thread) -----------------------------------------------------------
def put_blob_chunk(tx: Transaction, piece: BlobPiece) -> None:
    """Stage a chunk; the one that ends the blob verifies it and writes its header. (Hashing
    here, not while decoding: it skips stored blobs, and hashlib releases the GIL, so it runs
    beside the event loop.)"""
    header = keys.blob_key(piece.sha256)
    if tx.get(header) is not None:
        return  # stored already: identical blobs are stored once
    chunks = blob_chunks(piece.size)
    if chunks == 1:
        if hashlib.sha256(piece.data).digest() != piece.sha256:
            raise InvalidInput(f"blob {piece.sha256.hex()}: its bytes do not have that SHA-256")
        tx.put(keys.blob_chunk_key(piece.sha256, 0), piece.data)
        tx.put(header, encode_blob_header(piece.size))
        return
    tx.put(keys.blob_chunk_key(piece.sha256, piece.index), piece.data)
    if piece.index != chunks - 1:
        return
    digest = hashlib.sha256()
    for index in range(chunks):
        data = tx.get(keys.blob_chunk_key(piece.sha256, index))
        if data is None or len(data) != chunk_bytes(piece.size, index):
            return  # another sender's chunks are still on their way: its last one completes it
        digest.update(data)
    if digest.digest() != piece.sha256:
        raise InvalidInput(f"blob {piece.sha256.hex()}: its chunks do not have that SHA-256")
    tx.put(header, encode_blob_header(piece.size))


def append(tx: Transaction, series: ObjectPoints) -> None:
    """Stage the points of one object sequence and its updated metadata."""
    run_hash, name, context = series.run_hash, series.name, series.context
    if tx.get(keys.run_key(run_hash)) is None:
        raise NotFound(f"run {run_hash!r} does not exist")
    if not series.steps:
        return  # an empty chunk must not create a sequence
    seq_key = keys.sequence_key(run_hash, name, context)
    raw = tx.get(seq_key)
    meta = SequenceMeta.decode(raw) if raw is not None else SequenceMeta(dtype=series.dtype)
    if meta.dtype != series.dtype:
        raise InvalidInput(
            f"sequence {name!r} {context} holds {DTYPE_NAMES.get(meta.dtype, meta.dtype)}: "
            f"it cannot take {DTYPE_NAMES[series.dtype]}"
        )
    for sha in series.shas:
        if tx.get(keys.blob_key(sha)) is None:
            raise InvalidInput(f"blob {sha.hex()} is not stored: send all its chunks before a point names it")
    prefix = keys.objects_prefix(run_hash, name, context)
    for step, value in zip(series.steps, series.values, strict=True):
        key = keys.object_key_at(prefix, step)
        if meta.count == 0:
            meta.first_step = meta.last_step = step
            meta.count = 1
        elif step > meta.last_step:
            meta.last_step = step
            meta.count += 1
        elif step < meta.first_step:
            meta.first_step = step
            meta.count += 1
        elif tx.get(key) is None:
            meta.count += 1
        tx.put(key, value)
    meta.version += 1
    if raw is None:
        tx.note_new_sequence()
    tx.put(seq_key, meta.encode())
    points.note_meta(tx, run_hash, name, context, meta)


def forget(tx: Transaction, run_hash: str, name: str, context: str) -> None:
    """Stage the deletion of an object sequence: its metadata and points. Its blobs stay: they
    are shared with every other point that names the same bytes."""
    for key in list(tx.keys_with_prefix(keys.objects_prefix(run_hash, name, context))):
        tx.delete(key)
    tx.delete(keys.sequence_key(run_hash, name, context))
