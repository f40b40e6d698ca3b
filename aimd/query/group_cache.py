"""The replies of aggregate queries (the metrics explorer's group statistics), kept so that the
same view opened again is sent without reading a point.

An entry holds a reply's chunks with what they were computed from: the store's catalog version
(runs, props, params, the set of sequences) and the write version of every sequence the query
looked at (aimd.storage.blocks.SequenceMeta.version, noted by Reader.record_versions). It is
served only while all of them are still current, so a write can never leave a stale entry
served; an out-of-date entry is dropped when next looked up. Entries are bounded in bytes (a
share of the daemon's memory limit) and the least recently used go first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aimd.storage.lru import BytesLRU, CacheStats
from aimd.storage.reader import Reader

NAME = "aggregates"
SEQUENCE_BYTES = 160  # one noted sequence version: its key, its int, its dict slot
ENTRY_BYTES = 512  # an entry's key, its objects and its LRU slot
TIME_DEPENDENT = ("duration",)  # a query naming these reads the clock: its reply is never kept


@dataclass(frozen=True)
class _Entry:
    catalog_version: int
    sequences: dict[bytes, int]
    chunks: list[Any]


def cacheable(query_text: str) -> bool:
    """Whether a query's reply depends on the store only (not on the clock)."""
    return not any(word in query_text for word in TIME_DEPENDENT)


class GroupCache:
    def __init__(self, max_bytes: int) -> None:
        self._lru = BytesLRU(max_bytes, NAME)

    def get(self, key: bytes, reader: Reader) -> list[Any] | None:
        """The chunks kept under key if they are current for reader's store (a live Reader), else None."""

        def current(entry: _Entry) -> bool:
            return entry.catalog_version == reader.catalog_version and reader.versions_current(
                entry.sequences
            )

        entry = self._lru.get(key, valid=current)
        return None if entry is None else entry.chunks

    def recording(self, key: bytes, snapshot: Reader, chunks: Iterable[Any]) -> Iterator[Any]:
        """chunks, passed through; once they are all through, they are kept under key. snapshot
        is the Reader they are computed from, before anything was read through it."""
        catalog_version = snapshot.catalog_version
        seen = snapshot.record_versions()
        kept = []
        for chunk in chunks:
            kept.append(chunk)
            yield chunk
        nbytes = ENTRY_BYTES + len(key) + sum(c.ByteSize() for c in kept) + SEQUENCE_BYTES * len(seen)
        self._lru.put(key, _Entry(catalog_version, seen, kept), nbytes)

    def stats(self) -> CacheStats:
        return self._lru.stats()
