"""The LevelDB engine: the only module that imports plyvel.

LevelDB guards its directory with an fcntl lock, and POSIX releases every fcntl lock a process
holds on a file when any descriptor of that file closes: a second, failing open in the same
process would let another process in. So a process opens each directory at most once (checked
here), and aimd.lock decides which process may open it at all.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from aimd.storage import keys

_plyvel_import_error = ""
try:
    import plyvel
except ImportError as exc:  # no wheel for this Python and no LevelDB headers at install, or libleveldb gone
    plyvel = None
    _plyvel_import_error = str(exc)

_open_paths: set[str] = set()
_open_lock = threading.Lock()


class StoreError(Exception):
    """The store cannot be opened or written."""


class EngineMissing(StoreError):
    """plyvel, LevelDB's Python binding, cannot be imported: the message says what to install."""


class StoreWriteError(StoreError):
    """The disk refused a write. errno_name: ENOSPC, EIO, EFBIG, ... ('' when LevelDB did not say)."""

    def __init__(self, path: str, detail: str) -> None:
        self.errno_name = _errno_name(detail)
        why = f"{self.errno_name}: {detail}" if self.errno_name else detail
        super().__init__(f"the store at {path} could not be written ({why})")


#: os.strerror text -> errno name, to name the errno in LevelDB's "IO error: <file>: <strerror>".
_ERRNO_BY_TEXT = {os.strerror(code): name for code, name in errno.errorcode.items()}


def _errno_name(detail: str) -> str:
    for text, name in _ERRNO_BY_TEXT.items():
        if detail.endswith(text):
            return name
    return ""


class Store:
    """An open LevelDB database: point reads, range scans, and atomic batch writes."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        sync: bool = False,
        write_buffer_bytes: int = 64 * 2**20,
        cache_bytes: int = 64 * 2**20,
    ) -> None:
        """write_buffer_bytes: LevelDB's memtable (it holds two while one is written out);
        cache_bytes: LevelDB's own cache of table blocks."""
        check_engine()
        self.path = os.path.realpath(path)
        self._sync = sync
        self._write_buffer_bytes = write_buffer_bytes
        self._cache_bytes = cache_bytes
        # Bumped (by aimd.ingest.transaction, after the batch is written) whenever runs, their
        # props or params, or the set of sequences change; in memory only, as are the results
        # cached under it (aimd.query.group_cache).
        self.catalog_version = 0
        with _open_lock:
            if self.path in _open_paths:
                raise StoreError(f"{self.path} is already open in this process")
            _open_paths.add(self.path)
        try:
            Path(self.path).mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except Exception as exc:
            with _open_lock:
                _open_paths.discard(self.path)
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc
        stored = self._db.get(keys.VERSION_KEY)
        if stored is None:
            self._db.put(keys.VERSION_KEY, keys.SCHEMA_VERSION, sync=True)
        elif not stored.isdigit() or int(stored) > int(keys.SCHEMA_VERSION):
            self.close()
            raise StoreError(
                f"the store at {self.path} has key schema {stored.decode(errors='replace')!r}, newer than "
                f"this aimd reads (up to {keys.SCHEMA_VERSION.decode()}): upgrade aim-tracker to open it"
            )

    def _open(self) -> plyvel.DB:
        return plyvel.DB(
            self.path,
            create_if_missing=True,
            compression=None,  # blocks are compressed by aimd.storage.blocks
            write_buffer_size=self._write_buffer_bytes,
            block_size=64 * 2**10,
            lru_cache_size=self._cache_bytes,
        )

    def reopen(self) -> None:
        """Close and open the database again: LevelDB may keep a write error until reopened (reads
        in flight meanwhile fail). StoreError if it cannot be opened (it then stays closed until
        the next reopen)."""
        if not self._db.closed:
            self._db.close()
        try:
            self._db = self._open()
        except plyvel.Error as exc:
            raise StoreError(f"cannot reopen the store at {self.path}: {exc}") from exc

    def probe(self) -> None:
        """Write one small key, synced: StoreWriteError while the disk refuses writes."""
        try:
            self._db.put(keys.VERSION_KEY, keys.SCHEMA_VERSION, sync=True)
        except (plyvel.IOError, RuntimeError) as exc:  # RuntimeError: closed after a failed reopen
            raise StoreWriteError(self.path, _detail(exc)) from exc

    def free_bytes(self) -> int:
        """Bytes the file system holding the store has free for this process."""
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize

    def get(self, key: bytes) -> bytes | None:
        return self._db.get(key)

    def scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Every (key, value) whose key starts with prefix, in key order."""
        return self._db.iterator(prefix=prefix)

    def scan_keys(self, prefix: bytes) -> Iterator[bytes]:
        return self._db.iterator(prefix=prefix, include_value=False)

    def snapshot(self) -> Snapshot:
        """A consistent read-only view: later writes are invisible to it. Its catalog_version is
        read before it is taken, so the view holds at least what that version says."""
        version = self.catalog_version
        return Snapshot(self._db.snapshot(), version)

    def bump_catalog(self) -> None:
        """Called by the one writer thread after it wrote a batch that changed the catalog."""
        self.catalog_version += 1

    def write(self, puts: dict[bytes, bytes], deletes: set[bytes]) -> None:
        """Apply deletes then puts in one atomic LevelDB WriteBatch; StoreWriteError when the disk
        refuses it (full, I/O error): nothing of it is applied."""
        try:
            with self._db.write_batch(transaction=True, sync=self._sync) as batch:
                for key in deletes:
                    if key not in puts:
                        batch.delete(key)
                for key, value in puts.items():
                    batch.put(key, value)
        except (plyvel.IOError, RuntimeError) as exc:  # RuntimeError: closed after a failed reopen
            raise StoreWriteError(self.path, _detail(exc)) from exc

    def close(self) -> None:
        if not self._db.closed:
            self._db.close()
        with _open_lock:
            _open_paths.discard(self.path)


def check_engine() -> None:
    """EngineMissing, saying in one line what to install, when plyvel cannot be imported."""
    if plyvel is not None:
        return
    raise EngineMissing(
        f"LevelDB's Python binding plyvel cannot be imported ({_plyvel_import_error}). Where plyvel has no "
        f"wheel (Python 3.13 and newer) pip builds it from source and needs LevelDB's headers and a C++ "
        f"compiler: install them (Debian/Ubuntu: apt-get install libleveldb-dev g++; macOS: brew install "
        f"leveldb), then reinstall plyvel: {sys.executable} -m pip install --force-reinstall --no-cache-dir "
        f"plyvel"
    )


def _detail(exc: Exception) -> str:
    arg = exc.args[0] if exc.args else exc
    return arg.decode(errors="replace") if isinstance(arg, bytes) else str(arg)


class Snapshot:
    """Reads from one point in time; a batch is either wholly visible or not at all."""

    def __init__(self, snapshot: plyvel.Snapshot, catalog_version: int = 0) -> None:
        self._snapshot = snapshot
        self.catalog_version = catalog_version

    def get(self, key: bytes) -> bytes | None:
        return self._snapshot.get(key)

    def scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        return self._snapshot.iterator(prefix=prefix)

    def scan_keys(self, prefix: bytes) -> Iterator[bytes]:
        return self._snapshot.iterator(prefix=prefix, include_value=False)

    def snapshot(self) -> Snapshot:
        return self
