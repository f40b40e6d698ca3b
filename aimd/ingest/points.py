"""Appending points to sequences: the block policy and the derived metadata.

The common case costs one block write: points that come after the last stored step are written
as a new tail block. Once the tail blocks hold BLOCK_POINTS points (or MAX_TAIL_BLOCKS blocks)
they are re-cut into full blocks, so each point is encoded about twice and a long series reads
back as a few large values. The tail's columns are cached by the writer, so re-cutting never
re-reads the store.

Points that arrive out of order without overwriting a stored step (several writers tracking
interleaved steps into one sequence) are merged into the recent blocks they fall among: the
blocks from the last one that starts before the earliest new step onwards are re-cut, and the
blocks before it stay as they are, so such a batch costs about the tail, not the sequence.

Points that overwrite a stored step (a resume that re-tracks steps, say) make the whole sequence
be rewritten step-ordered, the last written point winning at each step (so min and max stay
exact): the store never holds two points for one step, and metadata and reads agree.
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
    DTYPE_NAMES,
    NUMPY_DTYPE,
    Columns,
    SequenceMeta,
    decode_block,
    encode_block,
)
from aimproto.contract import MAX_CONTEXT_BYTES, MAX_NAME_CHARS, canonical_context


@dataclass(frozen=True)
class SeriesPoints:
    """Decoded points of one sequence from one batch."""

    run_hash: str
    name: str
    context: str  # canonical JSON
    dtype: int
    cols: Columns


MAX_TAIL_BLOCKS = 16


@dataclass(frozen=True)
class _Tail:
    meta: SequenceMeta | None  # None: the sequence does not exist yet
    tail: Columns | None  # columns of the tail blocks; None when there are none

    @property
    def nbytes(self) -> int:
        """What the tail's columns hold in memory (the writer's cache is bounded in bytes)."""
        if self.tail is None:
            return 0
        cols = self.tail
        return sum(_held_bytes(a) for a in (cols.steps, cols.values, cols.epochs, cols.timestamps))


def _held_bytes(array: np.ndarray) -> int:
    """Bytes an array keeps alive: its buffer's, when it is a view of a larger one."""
    base = array.base
    if isinstance(base, np.ndarray):
        return max(base.nbytes, array.nbytes)
    if isinstance(base, (bytes, bytearray, memoryview)):
        return max(len(base), array.nbytes)
    return array.nbytes


def check_name(name: str) -> None:
    if not name or len(name) > MAX_NAME_CHARS or "\x00" in name:
        raise InvalidInput(f"sequence name {name[:40]!r} must be 1..{MAX_NAME_CHARS} chars without NUL")


def check_context(context: str) -> None:
    if len(context.encode()) > MAX_CONTEXT_BYTES:
        raise InvalidInput(f"context is over {MAX_CONTEXT_BYTES} bytes")
    try:
        parsed = json.loads(context)
    except (ValueError, RecursionError):
        raise InvalidInput(f"context {context[:40]!r} is not JSON") from None
    try:
        canonical = canonical_context(parsed) if isinstance(parsed, dict) else None
    except (ValueError, RecursionError):  # NaN or Infinity, which json.loads accepts
        raise InvalidInput(f"context {context[:40]!r} holds a value that is not finite") from None
    if canonical != context:
        raise InvalidInput(f"context {context[:40]!r} is not a canonical JSON object")


def decode_columns(
    dtype: int, count: int, steps: bytes, values: bytes, epochs: bytes, stamps: bytes
) -> Columns:
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
    if not len(points.cols):
        return  # nothing to store: an empty chunk must not create a sequence or change its dtype
    seq_key = keys.sequence_key(run_hash, name, context)
    ids = (run_hash, name, context)
    state: _Tail = tx.state(seq_key, lambda: _load(tx, *ids))
    if state.meta is not None and state.meta.dtype not in NUMPY_DTYPE:
        raise InvalidInput(
            f"sequence {name!r} {context} holds {DTYPE_NAMES.get(state.meta.dtype, state.meta.dtype)}: "
            "it cannot take numbers"
        )
    meta = dataclasses.replace(state.meta) if state.meta else SequenceMeta(dtype=points.dtype)
    meta.dtype = DTYPE_FLOAT if DTYPE_FLOAT in (meta.dtype, points.dtype) else DTYPE_INT
    cols = points.cols
    if meta.follows(cols):  # fast path: an append
        meta.absorb(cols)
        tail = Columns.concat([state.tail, cols]) if state.tail is not None else cols
        if len(tail) >= BLOCK_POINTS or meta.next_block - meta.tail_block >= MAX_TAIL_BLOCKS:
            tail = _recut_tail(tx, ids, meta, tail)
        else:
            tx.put(keys.block_key(*ids, meta.next_block), encode_block(meta.dtype, cols))
            meta.next_block += 1
            meta.tail_count = len(tail)
    elif (merged := _merge_recent(tx, ids, meta, state.tail, cols)) is not None:
        tail = merged  # interleaved steps: only the recent blocks are re-cut
    else:  # slow path: overwritten steps
        stored = [decode_block(tx.get(key))[1] for key in tx.keys_with_prefix(keys.blocks_prefix(*ids))]  # type: ignore[arg-type]  # a block key below next_block holds a value
        everything = Columns.concat([*stored, cols]).step_ordered()
        meta = SequenceMeta(dtype=meta.dtype, next_block=meta.next_block)
        meta.absorb(everything)
        tail = _recut_tail(tx, ids, meta, everything)
    meta.version = (state.meta.version if state.meta else 0) + 1
    if state.meta is None:
        tx.note_new_sequence()
    tx.put(seq_key, meta.encode())
    tx.set_state(seq_key, _Tail(meta, tail if len(tail) else None), run_hash)


def forget(tx: Transaction, run_hash: str, name: str, context: str) -> None:
    """Stage the deletion of a sequence: its metadata, its blocks and its cached tail."""
    seq_key = keys.sequence_key(run_hash, name, context)
    for key in list(tx.keys_with_prefix(keys.blocks_prefix(run_hash, name, context))):
        tx.delete(key)
    tx.delete(seq_key)
    tx.set_state(seq_key, _Tail(None, None), run_hash)


def note_meta(tx: Transaction, run_hash: str, name: str, context: str, meta: SequenceMeta) -> None:
    """Cache the metadata of a sequence written elsewhere (aimd.ingest.objects), so that a later
    append() sees its dtype rather than a stale cached state."""
    tx.set_state(keys.sequence_key(run_hash, name, context), _Tail(meta, None), run_hash)


def _recut_tail(tx: Transaction, ids: tuple[str, str, str], meta: SequenceMeta, tail: Columns) -> Columns:
    """Replace the tail blocks by full blocks of tail, plus one block of the rest; returns the rest."""
    for block_no in range(meta.tail_block, meta.next_block):
        tx.delete(keys.block_key(*ids, block_no))
    block_no, sealed = meta.tail_block, 0
    for start in range(0, len(tail), BLOCK_POINTS):
        block = tail.slice(start, start + BLOCK_POINTS)
        tx.put(keys.block_key(*ids, block_no), encode_block(meta.dtype, block))
        block_no += 1
        if len(block) == BLOCK_POINTS:
            meta.tail_block, sealed = block_no, sealed + len(block)
    meta.next_block = block_no
    rest = tail.slice(sealed, len(tail))
    meta.tail_count = len(rest)
    if sealed:  # a copy: the cached tail must not keep the sealed points' arrays alive
        rest = Columns(*(np.array(a) for a in (rest.steps, rest.values, rest.epochs, rest.timestamps)))
    return rest


def _merge_recent(
    tx: Transaction, ids: tuple[str, str, str], meta: SequenceMeta, tail: Columns | None, cols: Columns
) -> Columns | None:
    """Merge points that overwrite no stored step into the blocks they fall among (re-cutting from
    the last block that starts before them) and update meta; returns the new tail. None when a
    stored step would be overwritten, or the sequence is empty: the caller rewrites it all."""
    if meta.count == 0:
        return None
    new = cols.step_ordered()
    low = int(new.steps[0])
    parts = [tail] if tail is not None else []
    start = meta.tail_block if tail is not None else meta.next_block
    while start > 0 and (not parts or int(parts[0].steps[0]) >= low):
        start -= 1
        parts.insert(0, decode_block(tx.get(keys.block_key(*ids, start)))[1])  # type: ignore[arg-type]  # a block key below next_block holds a value
    region = Columns.concat(parts)
    if np.isin(new.steps, region.steps, assume_unique=True).any():
        return None
    merged = Columns.concat([region, new]).step_ordered()
    if start == 0:
        meta.first_step, meta.first_value = int(merged.steps[0]), float(merged.values[0])
    meta.last_step, meta.last_value = int(merged.steps[-1]), float(merged.values[-1])
    as_float = new.values.astype(np.float64, copy=False)
    meta.min_value = float(np.fmin.reduce(as_float, initial=meta.min_value))
    meta.max_value = float(np.fmax.reduce(as_float, initial=meta.max_value))
    meta.count += len(new)
    meta.tail_block = start  # blocks start .. next_block - 1 are replaced by merged
    return _recut_tail(tx, ids, meta, merged)


def _load(tx: Transaction, run_hash: str, name: str, context: str) -> _Tail:
    raw = tx.get(keys.sequence_key(run_hash, name, context))
    if raw is None:
        return _Tail(None, None)
    meta = SequenceMeta.decode(raw)
    parts = [
        decode_block(tx.get(keys.block_key(run_hash, name, context, block_no)))[1]  # type: ignore[arg-type]  # a block key below next_block holds a value
        for block_no in range(meta.tail_block, meta.next_block)
    ]
    return _Tail(meta, Columns.concat(parts) if parts else None)
