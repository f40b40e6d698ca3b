"""Appending points to sequences: the block policy and the derived metadata.

A sequence's last block stays open until it holds BLOCK_POINTS points: appends are merged into
it (its columns are cached by the writer, so a merge re-encodes but never re-reads), then full
blocks are cut from the rest. A long series therefore reads back as a few large values, and a
slowly tracked one does not leave a block per batch behind.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np

from aimd.errors import InvalidInput, NotFound
from aimd.ingest.transaction import Transaction
from aimd.storage import keys
from aimd.storage.blocks import (
    BLOCK_POINTS,
    DTYPE_FLOAT,
    DTYPE_INT,
    NUMPY_DTYPE,
    Columns,
    SequenceMeta,
    decode_block,
    encode_block,
)

MAX_NAME_CHARS = 256
MAX_CONTEXT_BYTES = 4096


@dataclass(frozen=True)
class SeriesPoints:
    """Decoded points of one sequence from one batch."""

    run_hash: str
    name: str
    context: str  # canonical JSON
    dtype: int
    cols: Columns


@dataclass(frozen=True)
class _Tail:
    meta: SequenceMeta
    tail: Columns | None  # columns of the open last block; None when the last block is full


def check_name(name: str) -> None:
    if not name or len(name) > MAX_NAME_CHARS or "\x00" in name:
        raise InvalidInput(f"sequence name {name[:40]!r} must be 1..{MAX_NAME_CHARS} chars without NUL")


def check_context(context: str) -> None:
    if len(context.encode()) > MAX_CONTEXT_BYTES:
        raise InvalidInput(f"context is over {MAX_CONTEXT_BYTES} bytes")
    try:
        parsed = json.loads(context)
    except ValueError:
        raise InvalidInput(f"context {context[:40]!r} is not JSON") from None
    if not isinstance(parsed, dict) or canonical_context(parsed) != context:
        raise InvalidInput(f"context {context[:40]!r} is not a canonical JSON object")


def canonical_context(context: dict) -> str:
    return json.dumps(context, sort_keys=True, separators=(",", ":"), allow_nan=False)


def decode_columns(dtype: int, count: int, steps: bytes, values: bytes, epochs: bytes, stamps: bytes) -> Columns:
    """Columns from little-endian wire bytes, checked for length and step range."""
    if dtype not in NUMPY_DTYPE:
        raise InvalidInput(f"unknown dtype {dtype}")
    expected = 8 * count
    for column, data in (("steps", steps), ("values", values), ("epochs", epochs), ("timestamps", stamps)):
        if len(data) != expected:
            raise InvalidInput(f"{column} holds {len(data)} bytes, expected {expected} for {count} points")
    cols = Columns(
        np.frombuffer(steps, "<i8"),
        np.frombuffer(values, NUMPY_DTYPE[dtype]),
        np.frombuffer(epochs, "<f8"),
        np.frombuffer(stamps, "<f8"),
    )
    if count and int(cols.steps.min()) < 0:
        raise InvalidInput("steps must be >= 0")
    return cols


def append(tx: Transaction, points: SeriesPoints) -> None:
    """Stage the points of one sequence: blocks, and the updated metadata."""
    run_hash, name, context = points.run_hash, points.name, points.context
    if tx.get(keys.run_key(run_hash)) is None:
        raise NotFound(f"run {run_hash!r} does not exist")
    seq_key = keys.sequence_key(run_hash, name, context)
    state: _Tail = tx.state(seq_key, lambda: _load(tx, run_hash, name, context))
    meta = dataclasses.replace(state.meta) if state.meta else SequenceMeta(dtype=points.dtype)
    dtype = DTYPE_FLOAT if DTYPE_FLOAT in (meta.dtype, points.dtype) else DTYPE_INT
    meta.dtype = dtype
    cols = points.cols
    meta.absorb(cols)

    pending = [cols]
    block_no = meta.blocks
    if state.tail is not None and meta.blocks:
        block_no -= 1  # rewrite the open block with the new points appended
        pending.insert(0, state.tail)
    merged = Columns.concat(pending)
    tail = state.tail
    for start in range(0, len(merged), BLOCK_POINTS):
        block = merged.slice(start, start + BLOCK_POINTS)
        tx.put(keys.block_key(run_hash, name, context, block_no), encode_block(dtype, block))
        block_no += 1
        meta.tail_count = len(block)
        tail = block if len(block) < BLOCK_POINTS else None
    meta.blocks = block_no
    tx.put(seq_key, meta.encode())
    tx.set_state(seq_key, _Tail(meta, tail))


def _load(tx: Transaction, run_hash: str, name: str, context: str) -> _Tail:
    raw = tx.get(keys.sequence_key(run_hash, name, context))
    if raw is None:
        return _Tail(None, None)  # type: ignore[arg-type]
    meta = SequenceMeta.decode(raw)
    if not meta.blocks or meta.tail_count >= BLOCK_POINTS:
        return _Tail(meta, None)
    data = tx.get(keys.block_key(run_hash, name, context, meta.blocks - 1))
    return _Tail(meta, decode_block(data)[1] if data is not None else None)
