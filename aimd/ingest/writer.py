"""The single writer: one thread applies every mutation, coalescing concurrent ones into one batch.

Callers submit a function of a Transaction; the writer takes whatever is queued (up to
MAX_COALESCE mutations), applies each inside its own savepoint, writes the lot as one LevelDB
WriteBatch, and only then resolves each caller's future: an acknowledged mutation is on disk.
A mutation that raises leaves nothing behind and fails only its own future. A caller that stops
waiting (its future cancelled) changes nothing: its mutation is applied all the same.

Two lanes: tracked batches go in the bulk lane, everything else (opening a run, params, props,
closing) in the urgent lane, which the writer empties first. Each lane is FIFO, so one client's
batches keep their order, and a run opened while other clients flood the writer is not kept
waiting behind their backlog.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from typing import Any

from aimd.errors import DaemonError
from aimd.ingest.claims import BlobClaims
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
        self.claims = BlobClaims()  # used on the writer thread only
        self._cache: dict[Any, Any] = {}
        self._lanes = _Lanes()
        self._thread = threading.Thread(target=self._run, name="aimd-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, mutation: Mutation, *, bulk: bool = False) -> Future:
        """Queue a mutation (bulk: a tracked batch); the future resolves once it is durable."""
        future: Future = Future()
        if self._closed:
            future.set_exception(DaemonError("the daemon is shutting down"))
        else:
            self._lanes.put((mutation, future), bulk=bulk)
        return future

    def close(self) -> None:
        """Apply everything queued so far, then stop the thread."""
        self._closed = True
        self._lanes.close()
        self._thread.join()

    def _run(self) -> None:
        while (items := self._lanes.take(MAX_COALESCE)) is not None:
            try:
                self._apply(items)
            except BaseException as exc:  # a bug here must not kill the only writer: fail the batch
                log.exception("applying a write batch failed")
                self._cache.clear()
                for _, future in items:
                    _resolve(future, None, DaemonError(f"internal error: {exc!r}"))

    def _apply(self, items: list[tuple[Mutation, Future]]) -> None:
        tx = Transaction(self.store, self._cache)
        outcomes: list[tuple[Future, Any, BaseException | None]] = []
        for mutation, future in items:
            # From here on the caller's future cannot be cancelled (asyncio.wrap_future cancels it
            # when the awaiting task is, e.g. for a client that went away or timed out). A future
            # cancelled before this point still has its mutation applied: Track batches must land
            # in seq order, or a later batch would move the client's durable seq past this one.
            future.set_running_or_notify_cancel()
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
            _resolve(future, result, error)


def _resolve(future: Future, result: Any, error: BaseException | None) -> None:
    """Settle a caller's future, unless the caller cancelled it before it ran (nobody waits)."""
    if future.cancelled():
        return
    try:
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
    except InvalidStateError:  # settled already: only the BaseException path can get here
        pass


class _Lanes:
    """Two FIFO queues under one condition; take() serves the urgent one first."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._urgent: deque[tuple[Mutation, Future]] = deque()
        self._bulk: deque[tuple[Mutation, Future]] = deque()
        self._closed = False

    def put(self, item: tuple[Mutation, Future], *, bulk: bool) -> None:
        with self._cv:
            (self._bulk if bulk else self._urgent).append(item)
            self._cv.notify()

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify()

    def take(self, limit: int) -> list[tuple[Mutation, Future]] | None:
        """Up to limit items, urgent ones first; None once closed and empty."""
        with self._cv:
            while not self._urgent and not self._bulk:
                if self._closed:
                    return None
                self._cv.wait()
            items = []
            for lane in (self._urgent, self._bulk):
                while lane and len(items) < limit:
                    items.append(lane.popleft())
            return items
