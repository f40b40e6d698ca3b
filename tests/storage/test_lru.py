"""BytesLRU: a value its caller finds out of date is dropped and counts as a miss."""

from __future__ import annotations

from aimd.storage.lru import BytesLRU


def test_a_value_found_out_of_date_is_dropped_and_counts_as_a_miss():
    cache = BytesLRU(100)
    cache.put("a", 1, 10)
    assert cache.get("a", valid=lambda value: value == 1) == 1
    assert cache.get("a", "none", valid=lambda value: False) == "none"
    assert len(cache) == 0 and cache.bytes == 0
    stats = cache.stats()
    assert (stats.hits, stats.misses) == (1, 1)
