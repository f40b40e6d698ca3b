"""Moving blob bytes out to the object store (`aimd start --blob-store`), one blob at a time, or
back into LevelDB (`aimd start --blobs-back`, before the store is given up).

A blob is taken in and acknowledged as always (its chunks durable in LevelDB); this thread then
writes it to the object store and, once the store has it, one write switches its header to
"remote" and drops the chunks. A kill -9 at any moment loses nothing: before the switch the
chunks are here (an object written twice is harmless), after it the store holds the bytes. A
store that is down or slow only delays the move: each blob is retried with backoff, and the
daemon's own disk holds what waits (memory holds the blobs of one round, ROUND_BYTES).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aimd.ingest.transaction import Transaction
from aimd.storage import keys
from aimd.storage.objects import (
    BLOB_CHUNK_BYTES,
    blob_chunks,
    encode_blob_header,
    encode_remote_blob_header,
    is_remote_blob,
)

log = logging.getLogger("aimd.offload")

POLL_S = 0.5  # how often the store is scanned for blobs to move when none was found
MAX_BACKOFF_S = 30.0
WORKERS = 4  # blobs written to the store at a time
ROUND_BYTES = 64 * 2**20  # blobs moved per round, at most (one write then drops their chunks)
ROUND_BLOBS = 256


def mark_moved(tx: Transaction, sha256: bytes, size: int) -> bool:
    """Stage the switch of a blob to the object store: its header says remote, its chunks go.
    False (nothing staged) when it was pruned or moved meanwhile."""
    header = tx.get(keys.blob_key(sha256))
    if header is None or is_remote_blob(header):
        return False
    tx.put(keys.blob_key(sha256), encode_remote_blob_header(size))
    for index in range(blob_chunks(size)):
        tx.delete(keys.blob_chunk_key(sha256, index))
    return True


def mark_returned(tx: Transaction, sha256: bytes, data: bytes) -> bool:
    """Stage a blob's bytes back in LevelDB, its header local again (False: nothing to do)."""
    header = tx.get(keys.blob_key(sha256))
    if header is None or not is_remote_blob(header):
        return False
    for index in range(blob_chunks(len(data))):
        tx.put(
            keys.blob_chunk_key(sha256, index),
            data[index * BLOB_CHUNK_BYTES : (index + 1) * BLOB_CHUNK_BYTES],
        )
    tx.put(keys.blob_key(sha256), encode_blob_header(len(data)))
    return True


class Offloader:
    """The thread that moves complete blobs to the object store."""

    def __init__(self, reader: Any, writer: Any, remote: Any, *, back: bool = False) -> None:
        self.reader, self.writer, self.remote, self.back = reader, writer, remote, back
        self.moved = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="aimd-offload", daemon=True)
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="aimd-offload")

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                found = self._move_some()
                backoff = 0.5
            except Exception as exc:  # the store down or refusing: the blobs wait here
                log.warning(
                    "moving blobs to %s failed (%s); retrying in %.1f s", self.remote.store.uri, exc, backoff
                )
                self._stop.wait(backoff)
                backoff = min(MAX_BACKOFF_S, backoff * 2)
                continue
            if not found:
                self._stop.wait(POLL_S)

    def _move_some(self) -> int:
        """Move up to ROUND_BYTES of blobs (WORKERS writes at a time); how many were found."""
        if self.back:
            return self._return_some(256)
        round_: list[tuple[bytes, int]] = []
        total = 0
        for sha256, size in self.reader.local_blobs():
            round_.append((sha256, size))
            total += size
            if total >= ROUND_BYTES or len(round_) >= ROUND_BLOBS or self._stop.is_set():
                break
        if not round_:
            return 0
        moved = list(self._pool.map(self._put, round_))  # raises the first failure: all retried
        done = [item for item, ok in zip(round_, moved, strict=True) if ok]
        self.moved += self.writer.submit(lambda tx: sum(mark_moved(tx, s, n) for s, n in done)).result()
        return len(round_)

    def _put(self, item: tuple[bytes, int]) -> bool:
        sha256, size = item
        data = self.reader.blob_bytes(sha256)
        if data is None or len(data) != size:
            return False  # pruned meanwhile
        self.remote.put(sha256, data)  # durable in the store before the chunks here go
        return True

    def _return_some(self, limit: int) -> int:
        found = 0
        for sha256, size in self.reader.local_blobs(remote=True):
            if self._stop.is_set():
                break
            data = self.remote.get(sha256)
            if len(data) != size:
                raise ValueError(
                    f"blob {sha256.hex()} in {self.remote.store.uri} holds {len(data)} bytes, not {size}"
                )
            if self.writer.submit(lambda tx, s=sha256, d=data: mark_returned(tx, s, d)).result():
                self.moved += 1
            found += 1
            if found >= limit:
                break
        return found
