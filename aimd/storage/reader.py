"""Read paths over the store: runs, params by path, sequence metadata, and points.

Every multi-key read happens on one snapshot, so a reader never sees half of a write batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from aimd.storage import keys, values
from aimd.storage.block_cache import BlockCache
from aimd.storage.blocks import Columns, SequenceMeta
from aimd.storage.lru import BytesLRU, CacheStats
from aimd.storage.objects import (
    BLOB_CHUNK_BYTES,
    ObjectRecord,
    decode_blob_header,
    decode_point,
    is_remote_blob,
)
from aimd.storage.store import Snapshot, Store


class _Missing:
    """The value at a params path that holds nothing."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
DEFAULT_PROPS_CACHE_BYTES = 16 * 2**20
PROPS_OVERHEAD_BYTES = 1024  # a decoded props dict, its key and its cache entry, besides 2x its JSON


@dataclass(frozen=True)
class ObjectPoint:
    """One stored point of an object sequence."""

    step: int
    epoch: float  # NaN: none
    timestamp: float
    records: list[ObjectRecord]


class Reader:
    """Read-only access to a store, for the daemon's services and the ingest writer."""

    def __init__(
        self,
        store: Store | Snapshot,
        cache: BlockCache | None = None,
        props_cache: BytesLRU | None = None,
        remote: Any = None,
    ) -> None:
        self._store = store
        self._remote = remote  # aimd.storage.blob_store.CachedBlobs, with --blob-store
        self._cache = cache if cache is not None else BlockCache()
        # Decoded run props by key, with the bytes they came from: a query over 10,000 runs then
        # compares bytes instead of parsing 10,000 JSON objects. The dicts are shared: read-only.
        self._props = props_cache if props_cache is not None else BytesLRU(DEFAULT_PROPS_CACHE_BYTES, "props")
        self._seen: dict[bytes, int] | None = None  # record_versions()

    @property
    def catalog_version(self) -> int:
        """The store's catalog version (aimd.storage.store.Store.catalog_version): a snapshot
        Reader's is the one its snapshot was taken under."""
        return self._store.catalog_version

    def record_versions(self) -> dict[bytes, int]:
        """From now on, note the write version of every sequence this Reader lists (its S key
        -> SequenceMeta.version): everything a result read through it depends on besides the
        catalog. Returns the dict it fills."""
        self._seen = {}
        return self._seen

    def versions_current(self, seen: dict[bytes, int]) -> bool:
        """Whether every sequence of seen still exists at the version noted."""
        get = self._store.get
        for key, version in seen.items():
            raw = get(key)
            if raw is None or SequenceMeta.decode(raw).version != version:
                return False
        return True

    def cache_stats(self) -> list[CacheStats]:
        """The block cache's and the props cache's stats."""
        return [self._cache.stats(), self._props.stats()]

    def snapshot(self) -> Reader:
        """A Reader whose every read sees the store as it is now (sharing this one's caches)."""
        return Reader(self._store.snapshot(), self._cache, self._props, self._remote)

    # --- runs -------------------------------------------------------------------------
    def run(self, run_hash: str) -> dict[str, Any] | None:
        """A run's props (a shared dict: do not change it), or None."""
        key = keys.run_key(run_hash)
        raw = self._store.get(key)
        return None if raw is None else self._decoded_props(key, raw)

    def runs(self) -> Iterator[dict[str, Any]]:
        """Props of every run, in hash order (shared dicts: do not change them)."""
        for key, raw in self._store.scan(keys.RUN):
            yield self._decoded_props(key, raw)

    def _decoded_props(self, key: bytes, raw: bytes) -> dict[str, Any]:
        hit = self._props.get(key)
        if hit is not None and hit[0] == raw:
            return hit[1]
        props = values.decode_props(raw)
        self._props.put(key, (raw, props), PROPS_OVERHEAD_BYTES + 2 * len(raw))
        return props

    # --- params -----------------------------------------------------------------------
    def params(self, run_hash: str, path: Sequence[str] = ()) -> Any:
        """The params sub-tree at path, or MISSING. Reads only the leaves under path."""
        return params_at(self._store.snapshot(), run_hash, path)

    # --- sequences --------------------------------------------------------------------
    def sequences(self, run_hash: str, name: str | None = None) -> list[tuple[str, str, SequenceMeta]]:
        """(name, context, meta) of every sequence of a run (with this name, if given); reads no
        points."""
        prefix = keys.sequence_prefix(run_hash)
        if name is not None:
            if keys.SEP.decode() in name:
                return []  # no stored name holds NUL
            prefix += name.encode() + keys.SEP
        found = [(key, SequenceMeta.decode(raw)) for key, raw in self._store.scan(prefix)]
        if self._seen is not None:
            self._seen.update((key, meta.version) for key, meta in found)
        return [(*keys.sequence_id_of(run_hash, key), meta) for key, meta in found]

    def sequence(self, run_hash: str, name: str, context: str) -> SequenceMeta | None:
        raw = self._store.get(keys.sequence_key(run_hash, name, context))
        return None if raw is None else SequenceMeta.decode(raw)

    def points(self, run_hash: str, name: str, context: str) -> tuple[SequenceMeta, Columns] | None:
        """A sequence's meta and all its points, step-ordered; None if it does not exist."""
        snap = self._store.snapshot()
        raw = snap.get(keys.sequence_key(run_hash, name, context))
        if raw is None:
            return None
        meta = SequenceMeta.decode(raw)
        decode = self._cache.decode
        parts = [decode(key, data) for key, data in snap.scan(keys.blocks_prefix(run_hash, name, context))]
        return meta, Columns.concat(parts) if parts else Columns.empty(meta.dtype)

    def point_blocks(
        self, run_hash: str, name: str, context: str, *, times: bool = True
    ) -> Iterator[Columns]:
        """A sequence's points block by block, step-ordered (lazily: use a snapshot Reader for a
        consistent read). times=False: steps and values suffice (epochs and timestamps may be
        left empty: Columns.has_times), which reads faster."""
        decode = self._cache.decode
        for key, data in self._store.scan(keys.blocks_prefix(run_hash, name, context)):
            yield decode(key, data, times=times)

    # --- object sequences and blobs ----------------------------------------------------
    def objects(
        self, run_hash: str, name: str, context: str
    ) -> tuple[SequenceMeta, list[ObjectPoint]] | None:
        """An object sequence's meta and points (records only, no blob), step-ordered; None if
        the sequence does not exist."""
        snap = self._store.snapshot()
        raw = snap.get(keys.sequence_key(run_hash, name, context))
        if raw is None:
            return None
        points = [
            ObjectPoint(keys.step_of_object_key(key), *decode_point(data))
            for key, data in snap.scan(keys.objects_prefix(run_hash, name, context))
        ]
        return SequenceMeta.decode(raw), points

    def blob_chunks(self, sha256: bytes) -> tuple[int, Iterator[bytes]] | None:
        """(size, its chunks in order) of a complete blob, on one snapshot; None if not stored."""
        snap = self._store.snapshot()
        raw = snap.get(keys.blob_key(sha256))
        if raw is None:
            return None
        size, chunks = decode_blob_header(raw)
        if is_remote_blob(raw):
            if self._remote is None:
                where = "start aimd with the --blob-store that holds it"
                raise ValueError(f"blob {sha256.hex()} is in an object store: {where}")
            data = self._remote.get(sha256)
            return size, (data[at : at + BLOB_CHUNK_BYTES] for at in range(0, max(size, 1), BLOB_CHUNK_BYTES))
        return size, (snap.get(keys.blob_chunk_key(sha256, index)) or b"" for index in range(chunks))

    def local_blobs(self, *, remote: bool = False) -> Iterator[tuple[bytes, int]]:
        """(sha256, size) of every complete blob whose bytes are in this store (remote: those
        whose bytes were moved to the object store)."""
        for key in self._store.scan_keys(keys.BLOB):
            if keys.is_blob_key(key):
                raw = self._store.get(key)
                if raw is not None and is_remote_blob(raw) == remote:
                    yield key[len(keys.BLOB) :], decode_blob_header(raw)[0]

    def blob_bytes(self, sha256: bytes) -> bytes | None:
        """A complete blob's bytes, whole (None if not stored)."""
        found = self.blob_chunks(sha256)
        return None if found is None else b"".join(found[1])

    def blobs(self) -> Iterator[tuple[bytes, int]]:
        """(sha256, size) of every complete blob, in sha order."""
        for key in self._store.scan_keys(keys.BLOB):
            if keys.is_blob_key(key):
                raw = self._store.get(key)
                if raw is not None:
                    yield key[len(keys.BLOB) :], decode_blob_header(raw)[0]


def params_at(view: Store | Snapshot, run_hash: str, path: Sequence[str]) -> Any:
    """Assemble the params sub-tree at path from its leaves, or MISSING."""
    key = keys.param_key(run_hash, path)
    if path:
        raw = view.get(key)
        if raw is not None:
            return values.decode(raw)
    tree: dict[str, Any] = {}
    found = False
    depth = len(path)
    for leaf_key, raw in view.scan(key + keys.SEP):
        found = True
        rel = keys.param_path_of(run_hash, leaf_key)[depth:]
        node = tree
        for part in rel[:-1]:
            node = node.setdefault(part, {})
        node[rel[-1]] = values.decode(raw)
    if found or not path:
        return tree
    return MISSING
