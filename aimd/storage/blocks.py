"""Points stored in blocks, and the per-sequence metadata derived from them.

A block holds up to BLOCK_POINTS points of one sequence as four columns. Blocks are written as
format 2, two zlib streams so that a reader of steps and values alone inflates half:
    u8 format (2) | u8 dtype | u32 LE count | u32 LE length of the first stream
    | zlib(shuffle(steps' | values')) | zlib(shuffle(epochs' | timestamps'))
Format 1 (written before; still read) is one stream over all four columns:
    u8 format (1) | u8 dtype | u32 LE count | zlib(shuffle(steps' | values' | epochs' | timestamps'))
steps' are the step deltas (the first one absolute), the three float-like columns are XORed
with their predecessor's bits (exact, and near-zero for slowly changing series), and shuffle puts
byte 0 of every 8-byte item first, then byte 1, ...: mostly-zero bytes end up together and
compress to almost nothing (measured: 7.5 bytes per point for uniform random floats in [0, 1),
under 1 byte for a smooth series with constant epochs).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

from aimproto.contract import (  # noqa: F401  (the dtype codes: stored on disk, named by the wire contract)
    DTYPE_AUDIO,
    DTYPE_AUDIO_LIST,
    DTYPE_DISTRIBUTION,
    DTYPE_FIGURE,
    DTYPE_FLOAT,
    DTYPE_IMAGE,
    DTYPE_IMAGE_LIST,
    DTYPE_INT,
    DTYPE_LOG_RECORD,
    DTYPE_NAMES,
    DTYPE_TEXT,
    DTYPE_TEXT_LIST,
    LIST_DTYPES,
    OBJECT_KINDS,
)

# Tunables (units in the names). Blocks of this many points read back as one value each;
# the open tail block is rewritten by appends until it is full.
BLOCK_POINTS = 4096
ZLIB_LEVEL = 1

NUMPY_DTYPE = {DTYPE_INT: np.dtype("<i8"), DTYPE_FLOAT: np.dtype("<f8")}
# Object sequences (aimd.storage.objects; their dtypes: OBJECT_KINDS): no blocks; one key per step,
# records naming blobs.

_HEADER = struct.Struct("<BBI")  # format, dtype, count
_SPLIT = struct.Struct("<I")  # format 2: the first stream's length, after _HEADER
_FORMAT_ONE_STREAM = 1
_FORMAT = 2  # what encode_block writes


@dataclass
class Columns:
    """Points of one sequence as numpy arrays of equal length."""

    steps: np.ndarray  # int64
    values: np.ndarray  # int64 or float64
    epochs: np.ndarray  # float64, NaN = no epoch
    timestamps: np.ndarray  # float64 seconds

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def has_times(self) -> bool:
        """False for columns decoded without their epochs and timestamps (decode_block's
        times=False), which are then empty."""
        return len(self.epochs) == len(self.steps)

    @classmethod
    def empty(cls, dtype: int) -> Columns:
        f8 = np.empty(0, "<f8")
        return cls(np.empty(0, "<i8"), np.empty(0, NUMPY_DTYPE[dtype]), f8, f8)

    @classmethod
    def concat(cls, parts: list[Columns]) -> Columns:
        if len(parts) == 1:
            return parts[0]
        values_dtype = np.result_type(*(p.values.dtype for p in parts))
        return cls(
            np.concatenate([p.steps for p in parts]),
            np.concatenate([p.values.astype(values_dtype, copy=False) for p in parts]),
            np.concatenate([p.epochs for p in parts]),
            np.concatenate([p.timestamps for p in parts]),
        )

    def slice(self, start: int, stop: int) -> Columns:
        return Columns(
            self.steps[start:stop],
            self.values[start:stop],
            self.epochs[start:stop],
            self.timestamps[start:stop],
        )

    def step_ordered(self) -> Columns:
        """Sorted by step; of several points at one step the last one written wins."""
        steps = self.steps
        if len(steps) < 2 or bool(np.all(steps[1:] > steps[:-1])):
            return self
        order = np.argsort(steps, kind="stable")
        sorted_steps = steps[order]
        keep = np.ones(len(order), bool)
        keep[:-1] = sorted_steps[1:] != sorted_steps[:-1]
        idx = order[keep]
        return Columns(steps[idx], self.values[idx], self.epochs[idx], self.timestamps[idx])


def _xor_delta(column: np.ndarray) -> np.ndarray:
    bits = column.view("<u8")
    out = bits.copy()
    out[1:] ^= bits[:-1]
    return out


def _xor_undelta(bits: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return np.bitwise_xor.accumulate(bits).view(dtype)


def _shuffled(*columns: np.ndarray) -> bytes:
    return np.concatenate(columns).view(np.uint8).reshape(-1, 8).T.tobytes()


def _unshuffled(raw: bytes, n: int) -> list[np.ndarray]:
    """The uint64 columns of n items each that _shuffled packed into raw."""
    planes = np.frombuffer(raw, np.uint8).reshape(8, -1)
    items = np.empty((planes.shape[1], 8), np.uint8)
    for byte, plane in enumerate(planes):  # a plane at a time: faster than one transposing copy
        items[:, byte] = plane
    stacked = items.view("<u8").reshape(-1)
    return [stacked[i * n : (i + 1) * n] for i in range(len(stacked) // n if n else 0)]


def _deflate(data: bytes, wbits: int) -> bytes:
    """A zlib stream of data at ZLIB_LEVEL with a 2**wbits window (zlib.compress takes no wbits
    before Python 3.11)."""
    packer = zlib.compressobj(ZLIB_LEVEL, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


def encode_block(dtype: int, cols: Columns) -> bytes:
    """Pack columns (values already of the sequence's dtype) into one block value (format 2)."""
    n = len(cols)
    steps = cols.steps.astype("<i8", copy=False)
    step_deltas = np.empty(n, "<i8")
    if n:
        step_deltas[0] = steps[0]
        np.subtract(steps[1:], steps[:-1], out=step_deltas[1:])
    values = cols.values.astype(NUMPY_DTYPE[dtype], copy=False)
    # a window just covering the input (not always 32 KiB): the same bytes, less setup for a short tail
    wbits = min(max((16 * n).bit_length(), 9), 15)
    first = _deflate(_shuffled(step_deltas.view("<u8"), _xor_delta(values)), wbits)
    epochs, timestamps = cols.epochs.astype("<f8", copy=False), cols.timestamps.astype("<f8", copy=False)
    second = _deflate(_shuffled(_xor_delta(epochs), _xor_delta(timestamps)), wbits)
    return b"".join((_HEADER.pack(_FORMAT, dtype, n), _SPLIT.pack(len(first)), first, second))


def decode_block(data: bytes, *, times: bool = True) -> tuple[int, Columns]:
    """(dtype, columns) of a block value (format 1 or 2). With times=False the epochs and
    timestamps are left out (empty arrays; see Columns.has_times): a format-2 block then
    inflates only its steps and values."""
    fmt, dtype, n = _HEADER.unpack_from(data)
    view = memoryview(data)[_HEADER.size :]
    if fmt == _FORMAT:
        (split,) = _SPLIT.unpack_from(view)
        view = view[_SPLIT.size :]
        stored = _unshuffled(zlib.decompress(view[:split]), n)
        if times:
            stored += _unshuffled(zlib.decompress(view[split:]), n)
    elif fmt == _FORMAT_ONE_STREAM:
        stored = _unshuffled(zlib.decompress(view), n)
    else:
        raise ValueError(f"unknown block format {fmt}")
    if n == 0:
        stored = [np.empty(0, "<u8")] * 4
    steps, values = np.cumsum(stored[0].view("<i8")), _xor_undelta(stored[1], NUMPY_DTYPE[dtype])
    if not times:
        none = np.empty(0, "<f8")
        return dtype, Columns(steps, values, none, none)
    f8 = np.dtype("<f8")
    return dtype, Columns(steps, values, _xor_undelta(stored[2], f8), _xor_undelta(stored[3], f8))


_META = struct.Struct("<BQqqddddIIIQ")
_META_V0 = struct.Struct("<BQqqddddIII")  # before the write version: read as version 0


@dataclass
class SequenceMeta:
    """What is known of a sequence without reading its points (stored under its S key).

    Stored points are always step-ordered with one point per step, so count, first/last and
    min/max describe exactly what a read returns. Blocks before tail_block hold BLOCK_POINTS
    points each; the tail blocks (tail_block .. next_block - 1) hold the rest, tail_count in all.
    """

    dtype: int
    count: int = 0
    first_step: int = 0
    last_step: int = 0
    first_value: float = float("nan")
    last_value: float = float("nan")
    min_value: float = float("nan")
    max_value: float = float("nan")
    next_block: int = 0
    tail_block: int = 0
    tail_count: int = 0
    # Bumped by every write batch that changes the sequence's points (aimd.ingest.points): a
    # cached result computed from them is current while this is unchanged (aimd.query.group_cache).
    version: int = 0

    def encode(self) -> bytes:
        return _META.pack(
            self.dtype,
            self.count,
            self.first_step,
            self.last_step,
            self.first_value,
            self.last_value,
            self.min_value,
            self.max_value,
            self.next_block,
            self.tail_block,
            self.tail_count,
            self.version,
        )

    @classmethod
    def decode(cls, data: bytes) -> SequenceMeta:
        return cls(*(_META if len(data) == _META.size else _META_V0).unpack(data))

    def follows(self, cols: Columns) -> bool:
        """True when cols can simply be appended: steps strictly increase, all after last_step."""
        steps = cols.steps
        increasing = bool(np.all(steps[1:] > steps[:-1]))
        return increasing and (self.count == 0 or int(steps[0]) > self.last_step)

    def absorb(self, cols: Columns) -> None:
        """Update from points that follow() the sequence (values already of self.dtype)."""
        steps, values = cols.steps, cols.values
        if not len(steps):
            return
        if self.count == 0:
            self.first_step, self.first_value = int(steps[0]), float(values[0])
        self.last_step, self.last_value = int(steps[-1]), float(values[-1])
        as_float = values.astype(np.float64, copy=False)
        self.min_value = float(np.fmin.reduce(as_float, initial=self.min_value))
        self.max_value = float(np.fmax.reduce(as_float, initial=self.max_value))
        self.count += len(steps)
