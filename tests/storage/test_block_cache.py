"""The decoded-block cache: hits only for the very bytes stored, bounded in bytes, read-only arrays."""

from __future__ import annotations

import numpy as np
import pytest

from aimd.storage.block_cache import BlockCache
from aimd.storage.blocks import DTYPE_FLOAT, Columns, encode_block


def block(n: int, value: float) -> bytes:
    steps = np.arange(n, dtype="<i8")
    cols = Columns(steps, np.full(n, value), np.full(n, np.nan), steps.astype("<f8"))
    return encode_block(DTYPE_FLOAT, cols)


def test_a_hit_needs_the_same_stored_bytes():
    cache = BlockCache()
    first = cache.decode(b"k", block(10, 1.0))
    assert cache.decode(b"k", block(10, 1.0)) is first  # same bytes: no decode
    rewritten = cache.decode(b"k", block(10, 2.0))  # the block was rewritten: decoded afresh
    assert rewritten is not first and rewritten.values.tolist() == [2.0] * 10


def test_decoded_columns_are_read_only():
    cols = BlockCache().decode(b"k", block(4, 1.0))
    with pytest.raises(ValueError):
        cols.values[0] = 5.0


def test_least_recently_used_blocks_go_first_past_the_bound():
    raw = block(1000, 1.0)
    one = len(raw) + 32 * 1000
    cache = BlockCache(max_bytes=3 * one)
    kept = {key: cache.decode(key, raw) for key in (b"a", b"b", b"c")}
    cache.decode(b"a", raw)  # a is now the most recently used
    cache.decode(b"d", raw)  # over the bound: b goes
    assert cache.decode(b"a", raw) is kept[b"a"]
    assert cache.decode(b"c", raw) is kept[b"c"]
    assert cache.decode(b"b", raw) is not kept[b"b"]


def test_a_read_without_times_is_served_by_either_entry_and_a_full_read_needs_the_times():
    """1. a block read without epochs and timestamps is kept so; 2. a full read of it decodes
    again (and has them); 3. from then on both kinds of read hit the full entry."""
    cache = BlockCache()
    raw = block(10, 1.0)
    partial = cache.decode(b"k", raw, times=False)
    assert not partial.has_times and partial.values.tolist() == [1.0] * 10
    assert cache.decode(b"k", raw, times=False) is partial
    full = cache.decode(b"k", raw)
    assert full is not partial and full.has_times and full.timestamps.tolist() == list(range(10))
    assert cache.decode(b"k", raw, times=False) is full
    assert cache.decode(b"k", raw) is full
