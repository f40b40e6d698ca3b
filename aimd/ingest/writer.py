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

When the disk refuses a write (full, I/O error), every mutation of that WriteBatch fails with
StoreFailing, `failure` says so (health reports it), and the writer stops writing: what comes next
fails at once, without holding memory, until a probe write succeeds (tried at most every
RECOVER_EVERY_S; the store is reopened when the disk has room but LevelDB keeps its error). A
failed batch's Origin (its Track stream) refuses every later batch of that stream, so none is
written before the failed one is replayed on a new stream: exactly-once holds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from typing import Any

from aimd.errors import DaemonError, StoreFailing
from aimd.ingest.claims import DEFAULT_CLAIMS_BYTES, BlobClaims
from aimd.ingest.runs import Attachments
from aimd.ingest.transaction import Transaction
from aimd.storage.lru import BytesLRU, CacheStats
from aimd.storage.store import Store, StoreError, StoreWriteError

log = logging.getLogger(__name__)

MAX_COALESCE = 256  # mutations per WriteBatch
DEFAULT_STATE_BYTES = 64 * 2**20  # sequence tails and client seqs kept between batches
RECOVER_EVERY_S = 1.0  # after a failed write, how often a probe write is tried
REOPEN_FREE_BYTES = 1 << 20  # a probe that fails with this much room free reopens the store

Mutation = Callable[[Transaction], Any]


class Origin:
    """Where bulk mutations come from (one Track stream): once one of them failed to be written,
    the later ones fail too, so none lands before the failed one (replayed on a new stream)."""

    __slots__ = ("failed",)

    def __init__(self) -> None:
        self.failed: DaemonError | None = None


_Item = tuple[Mutation, Future, "Origin | None"]


class Writer:
    """The writer thread. Its cached states (sequence tails, client seqs) take at most
    state_bytes, least recently used ones evicted (and loaded from the store when next needed),
    a closed run's dropped as it closes; claims take at most claims_bytes."""

    def __init__(
        self, store: Store, state_bytes: int = DEFAULT_STATE_BYTES, claims_bytes: int = DEFAULT_CLAIMS_BYTES
    ) -> None:
        self.store = store
        self.attachments = Attachments()
        self.claims = BlobClaims(claims_bytes)  # used on the writer thread only
        self._cache = BytesLRU(state_bytes, "writer_states")
        self._lanes = _Lanes()
        self.failure: StoreFailing | None = None  # set while the disk refuses writes
        self._last_probe = 0.0
        self._thread = threading.Thread(target=self._run, name="aimd-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, mutation: Mutation, *, bulk: bool = False, origin: Origin | None = None) -> Future:
        """Queue a mutation (bulk: a tracked batch, from origin); the future resolves once it is
        durable."""
        future: Future = Future()
        if self._closed:
            future.set_exception(DaemonError("the daemon is shutting down"))
        else:
            self._lanes.put((mutation, future, origin), bulk=bulk)
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
                for _, future, _ in items:
                    _resolve(future, None, DaemonError(f"internal error: {exc!r}"))

    def _apply(self, items: list[_Item]) -> None:
        if self.failure is not None and not self._recover():
            self._fail(items, self.failure)
            return
        tx = Transaction(self.store, self._cache)
        outcomes: list[tuple[Future, Any, BaseException | None]] = []
        for mutation, future, origin in items:
            # From here on the caller's future cannot be cancelled (asyncio.wrap_future cancels it
            # when the awaiting task is, e.g. for a client that went away or timed out). A future
            # cancelled before this point still has its mutation applied: Track batches must land
            # in seq order, or a later batch would move the client's durable seq past this one.
            future.set_running_or_notify_cancel()
            if origin is not None and origin.failed is not None:
                outcomes.append((future, None, origin.failed))  # an earlier one was not written
                continue
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
            tx.write()
        except StoreWriteError as exc:
            log.error("%s; refusing writes until it recovers", exc)
            self._cache.clear()
            self.failure = StoreFailing(
                f"{exc}; the daemon retries and recovers when it can write", exc.errno_name
            )
            self._last_probe = time.monotonic()
            self._fail(items, self.failure)
            return
        except Exception as exc:
            log.exception("write batch failed")
            self._cache.clear()
            failed = DaemonError(f"the store could not be written: {exc}")
            outcomes = [(future, None, failed) for future, _, _ in outcomes]
        for future, result, error in outcomes:
            _resolve(future, result, error)

    def _fail(self, items: list[_Item], error: StoreFailing) -> None:
        for _, future, origin in items:
            if origin is not None:
                origin.failed = error
            if not future.running():
                future.set_running_or_notify_cancel()
            _resolve(future, None, error)

    def _recover(self) -> bool:
        """After a failed write: whether the store takes writes again (a probe write, at most every
        RECOVER_EVERY_S; a reopen when the disk has room but the probe still fails)."""
        now = time.monotonic()
        if now - self._last_probe < RECOVER_EVERY_S:
            return False
        self._last_probe = now
        store = self.store
        try:
            store.probe()
        except StoreWriteError:
            try:
                if store.free_bytes() < REOPEN_FREE_BYTES:
                    return False
                store.reopen()  # LevelDB may keep a write error until reopened
                store.probe()
            except (StoreError, OSError) as exc:
                log.warning("the store is still not writable: %s", exc)
                return False
        log.warning("the store takes writes again")
        self.failure = None
        return True

    def trim(self) -> None:
        """Drop every cached state (an idle daemon: they are loaded again when next needed)."""
        self._cache.clear()

    def cache_stats(self) -> list[CacheStats]:
        """The cached states' stats, the claims' and the attachments' (bytes only)."""
        return [self._cache.stats(), self.claims.stats(), self.attachments.stats()]

    def nudge(self) -> None:
        """While writes fail, try to recover even when nobody writes (the health check waits)."""
        if self.failure is not None:
            self.submit(lambda tx: None)


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
        self._urgent: deque[_Item] = deque()
        self._bulk: deque[_Item] = deque()
        self._closed = False

    def put(self, item: _Item, *, bulk: bool) -> None:
        with self._cv:
            (self._bulk if bulk else self._urgent).append(item)
            self._cv.notify()

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify()

    def take(self, limit: int) -> list[_Item] | None:
        """Up to limit items, urgent ones first; None once closed and empty."""
        with self._cv:
            while not self._urgent and not self._bulk:
                if self._closed:
                    return None
                self._cv.wait()
            items: list[_Item] = []
            for lane in (self._urgent, self._bulk):
                while lane and len(items) < limit:
                    items.append(lane.popleft())
            return items
