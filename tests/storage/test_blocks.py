"""Blocks of points and the per-sequence metadata: exact round trips and SequenceMeta.absorb."""

from __future__ import annotations

import math
import struct
import zlib

import numpy as np
import pytest

from aimd.storage.blocks import (
    BLOCK_POINTS,
    DTYPE_FLOAT,
    DTYPE_INT,
    Columns,
    SequenceMeta,
    decode_block,
    encode_block,
)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
NAN = float("nan")


def cols(steps, values, dtype=DTYPE_FLOAT, epochs=None, stamps=None) -> Columns:
    n = len(steps)
    return Columns(
        np.array(steps, "<i8"),
        np.array(values, "<f8" if dtype == DTYPE_FLOAT else "<i8"),
        np.array(epochs if epochs is not None else [NAN] * n, "<f8"),
        np.array(stamps if stamps is not None else [1.7e9 + i for i in range(n)], "<f8"),
    )


def assert_bits_equal(a: np.ndarray, b: np.ndarray) -> None:
    """Equal bit for bit (NaN payloads and the sign of zero included)."""
    assert a.dtype.itemsize == b.dtype.itemsize == 8 and len(a) == len(b)
    assert a.view("<u8").tolist() == b.view("<u8").tolist()


def roundtrip(dtype: int, c: Columns) -> Columns:
    got_dtype, got = decode_block(encode_block(dtype, c))
    assert got_dtype == dtype
    return got


def test_float_block_round_trips_bit_exact_with_nan_inf_and_signed_zero():
    payload_nan = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_DEAD_BEEF))[0]
    values = [0.5, NAN, math.inf, -math.inf, -0.0, 0.0, payload_nan, 5e-324, 1.7976931348623157e308]
    epochs = [NAN, 0.0, 1.0, math.inf, NAN, -1.0, 2.0, NAN, 3.0]
    c = cols(range(len(values)), values, epochs=epochs)
    got = roundtrip(DTYPE_FLOAT, c)
    for name in ("steps", "values", "epochs", "timestamps"):
        assert_bits_equal(getattr(got, name), getattr(c, name))
    assert got.values.dtype == np.float64 and got.steps.dtype == np.int64


def test_int_block_round_trips_int64_extremes_and_any_step_order():
    values = [INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MAX, INT64_MIN]
    steps = [INT64_MAX, 0, 5, 5, 3, INT64_MAX - 1, 1]  # unsorted, duplicated, extreme deltas
    c = cols(steps, values, DTYPE_INT)
    got = roundtrip(DTYPE_INT, c)
    assert got.values.dtype == np.int64
    assert got.steps.tolist() == steps
    assert got.values.tolist() == values
    assert_bits_equal(got.epochs, c.epochs)
    assert_bits_equal(got.timestamps, c.timestamps)


@pytest.mark.parametrize("dtype", [DTYPE_INT, DTYPE_FLOAT])
def test_empty_block_round_trips(dtype):
    got = roundtrip(dtype, Columns.empty(dtype))
    assert len(got) == 0
    assert got.values.dtype == (np.int64 if dtype == DTYPE_INT else np.float64)
    assert all(len(getattr(got, n)) == 0 for n in ("steps", "values", "epochs", "timestamps"))


def test_full_block_of_random_points_round_trips():
    rng = np.random.default_rng(7)
    n = BLOCK_POINTS
    c = Columns(
        np.sort(rng.integers(0, 2**40, n)).astype("<i8"),
        rng.standard_normal(n),
        np.repeat(np.arange(n // 512, dtype="<f8"), 512),
        1.7e9 + np.cumsum(rng.random(n)),
    )
    got = roundtrip(DTYPE_FLOAT, c)
    for name in ("steps", "values", "epochs", "timestamps"):
        assert_bits_equal(getattr(got, name), getattr(c, name))


def test_float_values_stored_in_an_int_block_are_cast_and_ints_in_a_float_block_widen():
    c = cols([0, 1], [3, 4], DTYPE_INT)
    got = roundtrip(DTYPE_FLOAT, c)  # a sequence that became float re-encodes its int tail
    assert got.values.dtype == np.float64 and got.values.tolist() == [3.0, 4.0]


def encode_format_1(dtype: int, c: Columns) -> bytes:
    """A block as format 1 wrote it (one zlib stream over the four columns, as blocks.py's
    docstring lays out): the blocks of repositories written before format 2."""
    n = len(c)
    deltas = np.diff(c.steps.astype("<i8"), prepend=np.int64(0)) if n else np.empty(0, "<i8")

    def xor(column: np.ndarray) -> np.ndarray:
        bits = column.view("<u8").copy()
        bits[1:] ^= column.view("<u8")[:-1]
        return bits

    value_dtype = "<f8" if dtype == DTYPE_FLOAT else "<i8"
    stacked = np.concatenate(
        [deltas.view("<u8"), xor(c.values.astype(value_dtype)), xor(c.epochs), xor(c.timestamps)]
    )
    shuffled = stacked.view(np.uint8).reshape(-1, 8).T.tobytes()
    return struct.pack("<BBI", 1, dtype, n) + zlib.compress(shuffled, 1)


def random_columns(n: int, seed: int = 7) -> Columns:
    rng = np.random.default_rng(seed)
    return Columns(
        np.sort(rng.integers(0, 2**40, n)).astype("<i8"),
        rng.standard_normal(n),
        np.repeat(np.arange(-(-n // 512), dtype="<f8"), 512)[:n],
        1.7e9 + np.cumsum(rng.random(n)),
    )


@pytest.mark.parametrize("n", [0, 1, 5, BLOCK_POINTS])
@pytest.mark.parametrize("dtype", [DTYPE_INT, DTYPE_FLOAT])
def test_format_1_blocks_still_read_exactly(dtype, n):
    c = random_columns(n)
    if dtype == DTYPE_INT:
        c.values = (c.values * 1e6).astype("<i8")
    got_dtype, got = decode_block(encode_format_1(dtype, c))
    assert got_dtype == dtype
    for name in ("steps", "values", "epochs", "timestamps"):
        assert_bits_equal(getattr(got, name), getattr(c, name))
    steps_values = decode_block(encode_format_1(dtype, c), times=False)[1]
    assert_bits_equal(steps_values.steps, c.steps)
    assert_bits_equal(steps_values.values, c.values)


def test_new_blocks_are_format_2_whose_steps_and_values_read_without_the_second_stream():
    """1. a block is written as format 2; 2. its header names the first stream's length; 3. with
    the second stream (epochs, timestamps) garbled, times=False still reads steps and values
    exactly (it never inflates that stream), and a full read fails."""
    c = random_columns(BLOCK_POINTS)
    data = encode_block(DTYPE_FLOAT, c)
    fmt, dtype, n, split = struct.unpack_from("<BBII", data)
    assert (fmt, dtype, n) == (2, DTYPE_FLOAT, BLOCK_POINTS)
    assert 10 + split < len(data)
    garbled = data[: 10 + split] + b"\x00" * (len(data) - 10 - split)
    got = decode_block(garbled, times=False)[1]
    assert_bits_equal(got.steps, c.steps)
    assert_bits_equal(got.values, c.values)
    assert len(got.epochs) == len(got.timestamps) == 0 and not got.has_times
    assert decode_block(data)[1].has_times
    with pytest.raises(zlib.error):
        decode_block(garbled)


def test_format_2_stores_no_more_than_format_1_per_point():
    """The two streams cost a few bytes a block: within 2 % of format 1 for a smooth series with
    constant epochs and for random values."""
    smooth = random_columns(BLOCK_POINTS)
    smooth.values = np.cumsum(smooth.values) * 1e-3
    smooth.epochs = np.full(BLOCK_POINTS, 3.0)
    for c in (smooth, random_columns(BLOCK_POINTS, seed=1)):
        assert len(encode_block(DTYPE_FLOAT, c)) <= 1.02 * len(encode_format_1(DTYPE_FLOAT, c))


def test_unknown_block_format_is_refused():
    data = bytearray(encode_block(DTYPE_INT, cols([0], [1], DTYPE_INT)))
    data[0] = 9
    with pytest.raises(ValueError, match="unknown block format 9"):
        decode_block(bytes(data))


def test_step_ordered_sorts_and_keeps_the_last_written_of_each_step():
    c = cols([5, 1, 3, 1, 5, 0], [50.0, 10.0, 30.0, 11.0, 51.0, 0.0])
    ordered = c.step_ordered()
    assert ordered.steps.tolist() == [0, 1, 3, 5]
    assert ordered.values.tolist() == [0.0, 11.0, 30.0, 51.0]
    assert ordered.timestamps.tolist() == [c.timestamps[5], c.timestamps[3], c.timestamps[2], c.timestamps[4]]


def test_concat_of_int_and_float_parts_is_float():
    joined = Columns.concat([cols([0, 1], [1, 2], DTYPE_INT), cols([2], [2.5])])
    assert joined.values.dtype == np.float64 and joined.values.tolist() == [1.0, 2.0, 2.5]
    assert joined.steps.tolist() == [0, 1, 2]


# --- SequenceMeta -----------------------------------------------------------------------------
def test_follows_only_strictly_increasing_steps_after_the_last_one():
    """follows() decides between the append path and the rewrite path of aimd.ingest.points."""
    meta = SequenceMeta(dtype=DTYPE_INT)
    assert meta.follows(cols([0, 1, 5], [0, 1, 5], DTYPE_INT))
    assert meta.follows(cols([7], [7], DTYPE_INT))  # an empty sequence takes any first step
    assert not meta.follows(cols([0, 2, 1], [0, 2, 1], DTYPE_INT))  # disorder inside the batch
    assert not meta.follows(cols([3, 3], [3, 4], DTYPE_INT))  # a duplicate inside the batch
    meta.absorb(cols([0, 1, 5], [0, 1, 5], DTYPE_INT))
    assert meta.follows(cols([6, 10], [6, 10], DTYPE_INT))
    assert not meta.follows(cols([5], [50], DTYPE_INT))  # overwrites the last step
    assert not meta.follows(cols([2, 8], [2, 8], DTYPE_INT))  # reaches back below it


def test_absorb_keeps_first_last_and_count():
    meta = SequenceMeta(dtype=DTYPE_FLOAT)
    meta.absorb(cols([2, 5, 9], [20.0, 50.0, 90.0]))
    assert (meta.first_step, meta.first_value) == (2, 20.0)
    assert (meta.last_step, meta.last_value) == (9, 90.0)
    assert meta.count == 3
    meta.absorb(cols([12, 40], [120.0, 400.0]))
    assert (meta.first_step, meta.first_value) == (2, 20.0)
    assert (meta.last_step, meta.last_value) == (40, 400.0)
    assert meta.count == 5


def test_absorb_min_and_max_ignore_nan_but_keep_inf():
    meta = SequenceMeta(dtype=DTYPE_FLOAT)
    meta.absorb(cols([0, 1], [NAN, NAN]))
    assert math.isnan(meta.min_value) and math.isnan(meta.max_value)  # nothing but NaN so far
    meta.absorb(cols([2, 3, 4], [NAN, 3.0, -2.0]))
    assert (meta.min_value, meta.max_value) == (-2.0, 3.0)
    meta.absorb(cols([5, 6], [NAN, math.inf]))
    assert (meta.min_value, meta.max_value) == (-2.0, math.inf)
    assert math.isnan(meta.first_value) and meta.last_value == math.inf
    meta.absorb(cols([7], [-math.inf]))
    assert (meta.min_value, meta.max_value) == (-math.inf, math.inf)


def test_absorb_int_extremes_keep_min_and_max():
    meta = SequenceMeta(dtype=DTYPE_INT)
    meta.absorb(cols([0, 1, 2], [INT64_MAX, INT64_MIN, 0], DTYPE_INT))
    assert meta.min_value == float(INT64_MIN) and meta.max_value == float(INT64_MAX)
    assert meta.first_value == float(INT64_MAX) and meta.last_value == 0.0


def test_duplicate_steps_last_written_wins_in_order_and_metadata():
    """1. points with repeated steps, out of order; 2. step_ordered() keeps the last written of each
    step; 3. the metadata of the result (what the rewrite path stores) says the same."""
    written = cols([3, 1, 3, 1, 0, 3], [30.0, 10.0, 31.0, 11.0, 0.0, 32.0])
    ordered = written.step_ordered()
    assert ordered.steps.tolist() == [0, 1, 3]
    assert ordered.values.tolist() == [0.0, 11.0, 32.0]
    meta = SequenceMeta(dtype=DTYPE_FLOAT)
    assert meta.follows(ordered)
    meta.absorb(ordered)
    assert (meta.first_step, meta.first_value, meta.last_step, meta.last_value) == (0, 0.0, 3, 32.0)
    assert (meta.count, meta.min_value, meta.max_value) == (3, 0.0, 32.0)  # overwritten 30, 31 gone


def test_absorb_of_nothing_changes_nothing():
    meta = SequenceMeta(dtype=DTYPE_INT)
    meta.absorb(Columns.empty(DTYPE_INT))
    assert meta.encode() == SequenceMeta(dtype=DTYPE_INT).encode()
    meta.absorb(cols([4], [4], DTYPE_INT))
    before = meta.encode()
    meta.absorb(Columns.empty(DTYPE_INT))
    assert meta.encode() == before


def test_meta_encode_decode_round_trip():
    meta = SequenceMeta(
        dtype=DTYPE_FLOAT,
        count=2**40,
        first_step=0,
        last_step=INT64_MAX,
        first_value=-math.inf,
        last_value=1.5,
        min_value=-math.inf,
        max_value=2.0,
        next_block=2**32 - 1,
        tail_block=2**32 - 2,
        tail_count=17,
    )
    assert SequenceMeta.decode(meta.encode()) == meta
    fresh = SequenceMeta.decode(SequenceMeta(dtype=DTYPE_INT).encode())
    assert fresh.count == 0 and fresh.next_block == 0 and math.isnan(fresh.min_value)


def test_meta_written_before_the_version_field_reads_as_version_0():
    meta = SequenceMeta(dtype=DTYPE_INT, count=3, last_step=2, version=7)
    assert SequenceMeta.decode(meta.encode()).version == 7
    old = meta.encode()[:-8]  # the layout before the write version
    assert SequenceMeta.decode(old).encode() == SequenceMeta(dtype=DTYPE_INT, count=3, last_step=2).encode()
