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
