"""The block policy and the metadata it keeps, on a real store: appends, re-cuts, rewrites."""

from __future__ import annotations

import numpy as np
import pytest

from aimd.ingest import points
from aimd.ingest.transaction import Transaction
from aimd.storage import keys
from aimd.storage.blocks import BLOCK_POINTS, DTYPE_FLOAT, DTYPE_INT, Columns
from aimd.storage.lru import BytesLRU
from aimd.storage.reader import Reader
from aimd.storage.store import Store
from aimd.storage.values import encode_props

RUN = "r1"


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "db")
    store.write({keys.run_key(RUN): encode_props({"hash": RUN})}, set())
    yield store
    store.close()


def _cols(steps, values=None) -> Columns:
    steps = np.asarray(steps, np.int64)
    values = steps * 1.5 if values is None else np.asarray(values)
    n = len(steps)
    return Columns(steps, values, np.full(n, np.nan), np.arange(n, dtype=np.float64))


def _append(store: Store, cache: BytesLRU, cols: Columns, dtype: int = DTYPE_FLOAT) -> None:
    tx = Transaction(store, cache)
    tx.begin()
    points.append(tx, points.SeriesPoints(RUN, "loss", "{}", dtype, cols))
    tx.commit()
    tx.write()


def _blocks(store: Store) -> list[int]:
    return [len(key) for key in store.scan_keys(keys.blocks_prefix(RUN, "loss", "{}"))]


@pytest.mark.parametrize("cached", [True, False], ids=["tail cached", "tail loaded from the store"])
def test_small_appends_become_full_blocks(store, cached):
    """1. append 100-point chunks past two block sizes; 2. the store holds full blocks plus one
    short tail; 3. reads and metadata agree with what was appended."""
    cache = BytesLRU(2**30)
    n = 2 * BLOCK_POINTS + 300
    for start in range(0, n, 100):
        _append(store, cache if cached else BytesLRU(2**30), _cols(range(start, min(start + 100, n))))
    meta, cols = Reader(store).points(RUN, "loss", "{}")
    np.testing.assert_array_equal(cols.steps, np.arange(n))
    np.testing.assert_array_equal(cols.values, np.arange(n) * 1.5)
    assert (meta.count, meta.first_step, meta.last_step, meta.last_value) == (n, 0, n - 1, (n - 1) * 1.5)
    assert (meta.tail_block, meta.tail_count) == (2, 300)
    assert 2 < len(_blocks(store)) <= 2 + points.MAX_TAIL_BLOCKS  # two full blocks, then the tail


def test_many_tiny_appends_keep_the_tail_short(store):
    cache = BytesLRU(2**30)
    for step in range(3 * points.MAX_TAIL_BLOCKS):
        _append(store, cache, _cols([step]))
    assert len(_blocks(store)) <= points.MAX_TAIL_BLOCKS
    assert Reader(store).points(RUN, "loss", "{}")[1].steps.tolist() == list(
        range(3 * points.MAX_TAIL_BLOCKS)
    )


def test_overwritten_steps_leave_one_point_per_step_and_exact_metadata(store):
    """Re-tracking steps (a resume from an earlier checkpoint) replaces them: count, min and max
    describe what a read returns, not every value ever sent."""
    cache = BytesLRU(2**30)
    _append(store, cache, _cols(range(10), [-5.0] + [1.0] * 9))
    _append(store, cache, _cols([0, 1, 2], [7.0, 8.0, 9.0]))
    _append(store, cache, _cols([10, 11], [2.0, 3.0]))
    meta, cols = Reader(store).points(RUN, "loss", "{}")
    assert cols.steps.tolist() == list(range(12))
    assert cols.values.tolist() == [7.0, 8.0, 9.0] + [1.0] * 7 + [2.0, 3.0]
    assert (meta.count, meta.min_value, meta.max_value) == (12, 1.0, 9.0)
    assert (meta.first_step, meta.first_value, meta.last_step, meta.last_value) == (0, 7.0, 11, 3.0)


def test_out_of_order_chunk_is_stored_step_ordered(store):
    _append(store, BytesLRU(2**30), _cols([5, 3, 9, 3], [1.0, 2.0, 3.0, 4.0]))
    meta, cols = Reader(store).points(RUN, "loss", "{}")
    assert cols.steps.tolist() == [3, 5, 9] and cols.values.tolist() == [4.0, 1.0, 3.0]
    assert (meta.count, meta.first_value, meta.last_value) == (3, 4.0, 3.0)


def test_ints_then_floats_read_back_as_floats(store):
    cache = BytesLRU(2**30)
    _append(store, cache, _cols([0, 1], np.array([1, 2], np.int64)), DTYPE_INT)
    _append(store, cache, _cols([2], [2.5]), DTYPE_FLOAT)
    meta, cols = Reader(store).points(RUN, "loss", "{}")
    assert meta.dtype == DTYPE_FLOAT and cols.values.tolist() == [1.0, 2.0, 2.5]


def test_interleaved_writers_merge_into_the_recent_blocks_only(store, monkeypatch):
    """Two writers track even and odd steps of one sequence, each in its own 100-point batches,
    one running a little ahead: every batch falls among the last stored steps. A batch re-encodes
    the recent blocks only (not the whole sequence), and the sequence reads back whole."""
    encoded = [0]
    encode = points.encode_block

    def counting_encode(dtype, cols):
        encoded[0] += len(cols)
        return encode(dtype, cols)

    monkeypatch.setattr(points, "encode_block", counting_encode)
    cache = BytesLRU(2**30)
    n = 123 * 200  # about six blocks
    most = 0
    for start in range(0, n, 200):
        for first in (start + 1, start):  # the odd steps first, then the even ones
            encoded[0] = 0
            _append(store, cache, _cols(range(first, start + 200, 2)))
            most = max(most, encoded[0])
    assert most <= 2 * BLOCK_POINTS + 200 < n  # the tail and the block before it at most
    meta, cols = Reader(store).points(RUN, "loss", "{}")
    np.testing.assert_array_equal(cols.steps, np.arange(n))
    np.testing.assert_array_equal(cols.values, np.arange(n) * 1.5)
    assert (meta.count, meta.first_step, meta.last_step, meta.min_value, meta.max_value) == (
        n,
        0,
        n - 1,
        0.0,
        (n - 1) * 1.5,
    )


def test_interleaved_steps_that_overwrite_a_stored_one_rewrite_exactly(store):
    cache = BytesLRU(2**30)
    _append(store, cache, _cols([0, 2, 4], [5.0, -1.0, 5.0]))
    _append(store, cache, _cols([1, 2, 3], [1.0, 1.0, 1.0]))  # step 2 overwritten: min was -1
    meta, cols = Reader(store).points(RUN, "loss", "{}")
    assert cols.steps.tolist() == [0, 1, 2, 3, 4] and cols.values.tolist() == [5.0, 1.0, 1.0, 1.0, 5.0]
    assert (meta.count, meta.min_value, meta.max_value) == (5, 1.0, 5.0)
