"""The single writer: one thread applies every mutation, coalescing concurrent ones into one batch.

Callers submit a function of a Transaction; the writer takes whatever is queued (up to
MAX_COALESCE mutations), applies each inside its own savepoint, writes the lot as one LevelDB
WriteBatch, and only then resolves each caller's future: an acknowledged mutation is on disk.
A mutation that raises leaves nothing behind and fails only its own future.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from aimd.errors import DaemonError
from aimd.ingest.runs import Attachments
from aimd.ingest.transaction import Transaction
from aimd.storage.store import Store

log = logging.getLogger(__name__)

MAX_COALESCE = 256  # mutations per WriteBatch
MAX_CACHED_STATES = 100_000  # sequence tails and client seqs kept between batches

Mutation = Callable[[Transaction], Any]


class Writer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.attachments = Attachments()
        self._cache: dict[Any, Any] = {}
        self._queue: queue.SimpleQueue[tuple[Mutation, Future] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="aimd-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, mutation: Mutation) -> Future:
        """Queue a mutation; the future resolves to its result once it is durable."""
        future: Future = Future()
        if self._closed:
            future.set_exception(DaemonError("the daemon is shutting down"))
        else:
            self._queue.put((mutation, future))
        return future

    def close(self) -> None:
        """Apply everything queued so far, then stop the thread."""
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            items = [item]
            while len(items) < MAX_COALESCE:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._apply(items)
                    return
                items.append(nxt)
            self._apply(items)

    def _apply(self, items: list[tuple[Mutation, Future]]) -> None:
        tx = Transaction(self.store, self._cache)
        outcomes: list[tuple[Future, Any, BaseException | None]] = []
        for mutation, future in items:
            tx.begin()
            try:
                result = mutation(tx)
            except DaemonError as exc:
                tx.rollback()
                outcomes.append((future, None, exc))
            except Exception as exc:  # a bug: fail this request, keep serving
                log.exception("mutation failed")
                tx.rollback()
                outcomes.append((future, None, DaemonError(f"internal error: {exc!r}")))
            else:
                tx.commit()
                outcomes.append((future, result, None))
        try:
            if len(self._cache) > MAX_CACHED_STATES:
                self._cache.clear()
            tx.write()
        except Exception as exc:
            log.exception("write batch failed")
            self._cache.clear()
            error = DaemonError(f"the store could not be written: {exc}")
            outcomes = [(future, None, error) for future, _, _ in outcomes]
        for future, result, error in outcomes:
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
