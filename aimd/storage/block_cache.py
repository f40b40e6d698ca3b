"""Decoded point blocks kept in memory: repeated reads of the same curves skip the decode.

Entries are keyed by block key and hold the stored bytes they were decoded from; a hit must
match the bytes just read (one memcmp), so a rewritten block is never served stale. A block
decoded without its epochs and timestamps (times=False) is kept so; a read that wants them
decodes it again and replaces the entry. Least
recently used entries go first once the cache holds more than max_bytes (stored + decoded).
The decoded arrays are shared between readers and marked read-only.
"""

from __future__ import annotations

from aimd.storage.blocks import Columns, decode_block
from aimd.storage.lru import BytesLRU, CacheStats

_POINT_BYTES = 32
_STEP_VALUE_BYTES = 16


class BlockCache:
    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self._lru = BytesLRU(max_bytes, "block_cache")

    @property
    def max_bytes(self) -> int:
        return self._lru.max_bytes

    def decode(self, key: bytes, raw: bytes, *, times: bool = True) -> Columns:
        """The columns of the block stored under key with value raw (times=False: maybe
        without epochs and timestamps, as decode_block says)."""
        hit = self._lru.get(key)
        if hit is not None and hit[0] == raw and (hit[1].has_times or not times):
            return hit[1]
        cols = decode_block(raw, times=times)[1]
        for column in (cols.steps, cols.values, cols.epochs, cols.timestamps):
            column.flags.writeable = False
        point_bytes = _POINT_BYTES if times else _STEP_VALUE_BYTES
        self._lru.put(key, (raw, cols), len(raw) + point_bytes * len(cols))
        return cols

    def stats(self) -> CacheStats:
        return self._lru.stats()
