"""Decoded point blocks kept in memory: repeated reads of the same curves skip the decode.

Entries are keyed by block key and hold the stored bytes they were decoded from; a hit must
match the bytes just read (one memcmp), so a rewritten block is never served stale. Least
recently used entries go first once the cache holds more than max_bytes (stored + decoded).
The decoded arrays are shared between readers and marked read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from aimd.storage.blocks import Columns, decode_block

_POINT_BYTES = 32


class BlockCache:
    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[bytes, tuple[bytes, Columns]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def decode(self, key: bytes, raw: bytes) -> Columns:
        """The columns of the block stored under key with value raw."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == raw:
                self._entries.move_to_end(key)
                return hit[1]
        cols = decode_block(raw)[1]
        for column in (cols.steps, cols.values, cols.epochs, cols.timestamps):
            column.flags.writeable = False
        size = len(raw) + _POINT_BYTES * len(cols)
        if size > self.max_bytes:
            return cols
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0]) + _POINT_BYTES * len(old[1])
            self._entries[key] = (raw, cols)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (old_raw, old_cols) = self._entries.popitem(last=False)
                self._bytes -= len(old_raw) + _POINT_BYTES * len(old_cols)
        return cols
