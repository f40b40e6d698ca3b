"""Blobs read back from an object store (here file://) go through a cache bounded in bytes: its
share of the daemon's memory limit."""

from __future__ import annotations

import hashlib

from aimd.config import memory_limits
from aimd.storage.blob_store import CachedBlobs, open_blob_store
from aimd.storage.lru import BytesLRU


def test_blobs_read_back_are_kept_within_the_caches_bound(tmp_path):
    blobs = CachedBlobs(open_blob_store((tmp_path / "store").as_uri()), BytesLRU(100, "blobs"))
    datas = [bytes([i]) * 40 for i in range(3)]
    shas = [hashlib.sha256(data).digest() for data in datas]
    for sha, data in zip(shas, datas, strict=True):
        blobs.put(sha, data)
    assert [blobs.get(sha) for sha in shas] == datas  # all read from the store: misses
    assert blobs.cache.bytes <= 100 and len(blobs.cache) == 2  # the first one went
    assert blobs.get(shas[2]) == datas[2] and blobs.get(shas[0]) == datas[0]
    stats = blobs.cache.stats()
    assert (stats.hits, stats.misses) == (1, 4)


def test_the_blob_cache_is_a_share_of_the_memory_limit():
    limits = memory_limits(320 * 2**20)
    assert 0 < limits["blobs"] < 320 * 2**20 // 10
    assert sum(limits.values()) <= 320 * 2**20
