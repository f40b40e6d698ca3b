"""A write transaction over the store, with a savepoint per mutation.

The writer applies many mutations into one Transaction and writes it as one LevelDB WriteBatch.
Each mutation runs between begin() and commit() or rollback(), so a mutation that fails leaves
no trace while the ones before it in the same batch still land. Reads see what earlier mutations
of the batch staged. Cached state (sequence tails, client seqs) is staged the same way, under
hashable keys (with the run it belongs to, if any), and reaches the writer's cache (a BytesLRU:
what it evicts is loaded again from the store when next needed) only after the batch is on disk;
so does forget_run(), which drops a closed run's cached state.

A written batch that changes what a query's WHERE reads of the repository's catalog (a run's
props or params, a run created or deleted, a sequence created or deleted) bumps the store's
catalog version (Store.catalog_version): keys are recognised by their prefix, except a new
sequence, which its mutation notes (note_new_sequence).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aimd.storage import keys
from aimd.storage.lru import BytesLRU
from aimd.storage.store import Store

_DELETED = object()
_ABSENT = object()
_CATALOG_PREFIXES = (keys.RUN, keys.PARAM)  # written or deleted: the catalog changed
STATE_OVERHEAD_BYTES = 512  # a cached state's key, entry and small objects, besides its nbytes


class Transaction:
    def __init__(self, store: Store, cache: BytesLRU) -> None:
        self._store = store
        self._cache = cache
        self._writes: dict[bytes, Any] = {}  # key -> value, or _DELETED
        self._item_writes: dict[bytes, Any] = {}
        self._state: dict[Any, tuple[Any, str | None]] = {}  # key -> (value, its run)
        self._item_state: dict[Any, tuple[Any, str | None]] = {}
        self._forgotten: list[str] = []  # runs whose cached state goes once the batch is written
        self._new_sequence = self._item_new_sequence = False

    # --- mutation boundaries ------------------------------------------------------------
    def begin(self) -> None:
        self._item_writes = {}
        self._item_state = {}
        self._item_new_sequence = False

    def commit(self) -> None:
        self._writes.update(self._item_writes)
        self._state.update(self._item_state)
        self._new_sequence |= self._item_new_sequence
        self.begin()

    def rollback(self) -> None:
        self.begin()

    def savepoint(self) -> tuple[dict[bytes, Any], dict[Any, Any]]:
        """A point inside the current mutation to go back to (restore) when one part of it fails."""
        return dict(self._item_writes), dict(self._item_state)

    def restore(self, savepoint: tuple[dict[bytes, Any], dict[Any, Any]]) -> None:
        self._item_writes, self._item_state = dict(savepoint[0]), dict(savepoint[1])

    # --- store access -------------------------------------------------------------------
    def get(self, key: bytes) -> bytes | None:
        for layer in (self._item_writes, self._writes):
            if key in layer:
                value = layer[key]
                return None if value is _DELETED else value
        return self._store.get(key)

    def put(self, key: bytes, value: bytes) -> None:
        self._item_writes[key] = value

    def delete(self, key: bytes) -> None:
        self._item_writes[key] = _DELETED

    def keys_with_prefix(self, prefix: bytes) -> Iterator[bytes]:
        """Keys that exist under prefix, as the store would hold them after this transaction."""
        staged = {**self._writes, **self._item_writes}
        seen = set()
        for key in self._store.scan_keys(prefix):
            seen.add(key)
            if staged.get(key) is not _DELETED:
                yield key
        for key, value in staged.items():
            if key.startswith(prefix) and key not in seen and value is not _DELETED:
                yield key

    def note_new_sequence(self) -> None:
        """This mutation creates a sequence: the catalog changes once the batch is written."""
        self._item_new_sequence = True

    # --- cached state -------------------------------------------------------------------
    def state(self, key: Any, load: Any) -> Any:
        """Cached state under key: staged, else the writer's cache, else load()."""
        for layer in (self._item_state, self._state):
            if key in layer:
                return layer[key][0]
        cached = self._cache.get(key, _ABSENT)
        return load() if cached is _ABSENT else cached

    def set_state(self, key: Any, value: Any, run: str | None = None) -> None:
        """Stage value as the cached state under key, belonging to run (forget_run drops it)."""
        self._item_state[key] = (value, run)

    def forget_run(self, run_hash: str) -> None:
        """Drop the run's cached state once this batch is written (the run closed: its state would
        only take room; it is loaded again from the store if the run comes back)."""
        self._forgotten.append(run_hash)

    # --- the end ------------------------------------------------------------------------
    def write(self) -> None:
        """Write every committed mutation in one atomic batch, then publish the staged state."""
        puts = {k: v for k, v in self._writes.items() if v is not _DELETED}
        deletes = {k for k, v in self._writes.items() if v is _DELETED}
        if puts or deletes:
            self._store.write(puts, deletes)
            if self._new_sequence or _changes_catalog(puts, deletes):
                self._store.bump_catalog()
        for key, (value, run) in self._state.items():
            self._cache.put(key, value, STATE_OVERHEAD_BYTES + getattr(value, "nbytes", 0), run)
        for run_hash in self._forgotten:
            self._cache.drop_group(run_hash)


def _changes_catalog(puts: dict[bytes, Any], deletes: set[bytes]) -> bool:
    return any(key.startswith(_CATALOG_PREFIXES) for key in puts) or any(
        key.startswith((*_CATALOG_PREFIXES, keys.SEQUENCE)) for key in deletes
    )
