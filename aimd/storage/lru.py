"""A least-recently-used map bounded in bytes: the one eviction policy of the daemon's caches.

Each entry is put with its size in bytes (an estimate of what it holds in memory, the caller's
to make) and, optionally, a group (a run's hash): drop_group() forgets every entry of a group
at once (a closed run's cached state). Once the entries hold more than max_bytes, the least
recently used ones go first. Hits and misses are counted for the daemon's stats. Thread-safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

_ABSENT: Any = object()


@dataclass(frozen=True)
class CacheStats:
    """What a cache holds and how well it serves, for `aimd status`."""

    name: str
    bytes: int
    max_bytes: int
    entries: int
    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        looked = self.hits + self.misses
        return self.hits / looked if looked else 0.0


class BytesLRU:
    def __init__(self, max_bytes: int, name: str = "cache") -> None:
        self.max_bytes = max_bytes
        self.name = name
        self._entries: OrderedDict[Hashable, tuple[Any, int, Hashable]] = OrderedDict()
        self._groups: dict[Hashable, set[Hashable]] = {}
        self._bytes = 0
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable, default: Any = None, valid: Callable[[Any], bool] | None = None) -> Any:
        """The value under key (now the most recently used), or default. With valid, a value it
        finds out of date (called without the lock held) is dropped and counts as a miss."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or valid is None:
                return self._found(key, entry, default)
        current = valid(entry[0])
        with self._lock:
            if not current and self._entries.get(key) is entry:
                self._remove(key)
            return self._found(key, entry if current else None, default)

    def _found(self, key: Hashable, entry: tuple[Any, int, Hashable] | None, default: Any) -> Any:
        if entry is None:
            self.misses += 1
            return default
        self.hits += 1
        if key in self._entries:
            self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: Hashable, value: Any, nbytes: int, group: Hashable = None) -> None:
        """Keep value under key (replacing what was there); one larger than the whole cache is
        not kept at all."""
        with self._lock:
            self._remove(key)
            if nbytes > self.max_bytes:
                return
            self._entries[key] = (value, nbytes, group)
            self._bytes += nbytes
            if group is not None:
                self._groups.setdefault(group, set()).add(key)
            while self._bytes > self.max_bytes:
                self._remove(next(iter(self._entries)))

    def pop(self, key: Hashable) -> None:
        with self._lock:
            self._remove(key)

    def drop_group(self, group: Hashable) -> None:
        """Forget every entry put with this group."""
        with self._lock:
            for key in list(self._groups.get(group, ())):
                self._remove(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._groups.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        return CacheStats(self.name, self._bytes, self.max_bytes, len(self._entries), self.hits, self.misses)

    def _remove(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        _, nbytes, group = entry
        self._bytes -= nbytes
        if group is not None:
            members = self._groups[group]
            members.discard(key)
            if not members:
                del self._groups[group]
