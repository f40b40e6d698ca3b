"""The background sender: drains track() buffers into numbered batches for the Track stream.

One Sender per process and daemon. Its batcher thread wakes every FLUSH_INTERVAL_S (or when a
buffer fills) and turns buffered points into Batch messages, which it hands to the TrackStream
(aim._transport.stream: acknowledgement, replay after a reconnect, back-pressure). A client that
dies loses at most the points not yet in an acknowledged batch.

Back-pressure: when the stream holds MAX_UNACKED_BYTES unacknowledged, the batcher blocks,
buffers grow to their own cap, and track() blocks until the daemon catches up. Memory stays
bounded and no point is ever dropped.

Objects (images, ...): the batcher takes the buffered points of each object sequence and has
them encoded and packed (aim._transport.encoding: PNG & co. on ENCODE_THREADS encoder threads for
the heavy kinds; PIL's encoders and hashlib release the GIL, one core encodes ~2,200 64x64
PNGs/s, measured). Blob chunks are part of the batch, so replay after a reconnect resends them.
A payload whose batch the daemon refused is sent again the next time it is tracked. An object
whose encoding fails is dropped and reported like a refused batch.

Errors reach the caller: whatever is reported (a part the daemon refused, points dropped, an
exception on the batcher or streamer thread, which go on) sets every buffer's `limit` to 0, so
the next track() takes its slow path and raises TrackingError (aim._tracking.buffers), at no cost to
track()'s fast path; close() raises it too. Waits are bounded (aim._transport.stream): the exit
hook gives up after EXIT_TIMEOUT_S (AIM_EXIT_TIMEOUT) and logs what was lost.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator
from typing import Any, NamedTuple, Protocol

from aim import errors
from aim._transport.channel import Target, cached, pop_cached
from aim._transport.client import Client, client_for
from aim._transport.codec import series_chunk, track_batch
from aim._transport.encoding import (
    BLOB_CHUNK_BYTES,
    ENCODE_THREADS,
    EncodedPoint,
    Encoders,
    ObjectBuffer,
    Packer,
    SentBlobs,
    encoded,
)
from aim._transport.stream import TrackStream

log = logging.getLogger("aim")

FLUSH_INTERVAL_S = 0.05
MAX_BATCH_POINTS = 65536  # about 2 MiB on the wire
MAX_BATCH_BYTES = 4 * 2**20  # of blob chunks and object records (or half the daemon's cap)
TAKE_OBJECTS = 512  # object points taken from a buffer at a time
MESSAGE_OVERHEAD_BYTES = 2**16  # room for a batch's other fields beside one blob chunk
EXIT_TIMEOUT_S = float(os.environ.get("AIM_EXIT_TIMEOUT", "60"))  # the exit hook's wait, at most
READ_WAIT_S = 60.0  # a read waits at most this long for this process's tracked points


class SeriesRecords(NamedTuple):
    """Points drained from a track() buffer, as plain values (the sender encodes them)."""

    run_hash: str
    name: str
    context: str  # canonical JSON
    records: bytes | bytearray  # count packed 32-byte records: step i8, value f8, epoch f8, time f8
    points: int
    is_float: bool  # values go as float64 (else as int64)


class Buffer(Protocol):
    """What the sender needs of a track() buffer (aim._tracking.buffers.SeriesWriter)."""

    buf: bytearray
    limit: int  # set to 0 by the sender when it has an error for the next track()

    def drain(self, limit: int) -> SeriesRecords | None: ...


class Closable(Protocol):
    """What the sender needs of a dropped Run's tracker (aim._tracking.buffers.Tracker)."""

    run_hash: str


class _Dropped:
    """A Run dropped without close(): its tracker, and the seq of the batch that took its last
    points (None until a flush has drained its buffers)."""

    __slots__ = ("tracker", "seq")

    def __init__(self, tracker: Closable) -> None:
        self.tracker = tracker
        self.seq: int | None = None


class Sender:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.open_runs: set[str] = set()
        self._buffers: weakref.WeakSet[Buffer] = weakref.WeakSet()
        self._object_buffers: weakref.WeakSet[ObjectBuffer] = weakref.WeakSet()
        self._buffers_lock = threading.Lock()
        self._sent_blobs = SentBlobs()  # in a batch queued, or acknowledged
        self._encoders: Encoders | None = None
        self._drain_lock = threading.Lock()
        self._wake = threading.Event()
        self._taken = threading.Condition()  # notified when the batcher takes object points
        self._pid = os.getpid()
        self._closing: list[_Dropped] = []  # Runs dropped without close()
        self._closing_lock = threading.RLock()  # a finalizer may run in a thread holding it
        self.stream = TrackStream(
            client, self._sent_blobs.forget, self._sent_blobs.clear, on_report=self._alarm
        )
        self._batcher = threading.Thread(target=self._batch_loop, name="aim-batcher", daemon=True)
        self._batcher.start()

    # --- the producer side --------------------------------------------------------------
    def register(self, buffer: Buffer) -> None:
        with self._buffers_lock:
            self._buffers.add(buffer)

    def register_objects(self, buffer: ObjectBuffer) -> None:
        with self._buffers_lock:
            self._object_buffers.add(buffer)

    def wake(self) -> None:
        """Ask the batcher to drain now (a buffer is full)."""
        self._wake.set()

    def make_room(self, buffer: ObjectBuffer, room: int) -> None:
        """Block until buffer holds fewer than room points (back-pressure on track()): the
        batcher takes them as fast as its encoders and the daemon allow. Draining here instead,
        as metrics do, would hold the caller until every buffered object is encoded."""
        with self._taken:
            while len(buffer) >= room and not self.stream.stopping and self._batcher.is_alive():
                self._wake.set()
                self._taken.wait(FLUSH_INTERVAL_S)
        if len(buffer) >= room:  # no batcher to wait for (shutting down): drain here
            self.flush()

    def flush(self) -> int:
        """Drain every buffer into batches now; returns the seq of the last batch made so far."""
        with self._drain_lock:
            with self._closing_lock:  # dropped Runs whose buffers this flush drains
                dropped = [d for d in self._closing if d.seq is None]
            series = []
            points = 0
            with self._buffers_lock:  # another thread may be registering a new sequence
                buffers = list(self._buffers)
                object_buffers = list(self._object_buffers) if self._object_buffers else ()
            for buffer in buffers:
                while (drained := buffer.drain(MAX_BATCH_POINTS - points)) is not None:
                    run_hash, name, context, records, count, is_float = drained
                    series.append(series_chunk(run_hash, name, context, records, is_float=is_float))
                    points += count
                    if points >= MAX_BATCH_POINTS:
                        self.stream.queue(track_batch(series))
                        series, points = [], 0
            if series:
                self.stream.queue(track_batch(series))
            if object_buffers:
                self._flush_objects(object_buffers)
            for d in dropped:
                d.seq = self.stream.last_seq
            return self.stream.last_seq

    def wait(self, seq: int, timeout: float | None) -> None:
        """Block until every batch up to seq is acknowledged (or refused); raise on timeout."""
        self.stream.wait(seq, timeout)

    def take_rejections(self) -> list[str]:
        return self.stream.take_rejections()

    def _alarm(self) -> None:
        """Something was reported: send the next track() of every buffer to its slow path, which
        raises it (aim._tracking.buffers.Tracker)."""
        with self._buffers_lock:
            for buffer in self._buffers:
                buffer.limit = 0
            for object_buffer in self._object_buffers:
                object_buffer.limit = 0

    # --- read your writes ---------------------------------------------------------------
    def pending(self) -> bool:
        """Whether anything tracked in this process is not acknowledged yet: a buffer holds
        points, the batcher is draining, the stream waits for an ack, or a dropped Run waits
        to be closed."""
        if self.stream.unacked or self._drain_lock.locked() or self._closing:
            return True
        with self._buffers_lock:  # another thread may be registering a new sequence
            return any(buffer.buf for buffer in self._buffers) or any(map(len, self._object_buffers))

    def settle(self, timeout: float = READ_WAIT_S) -> None:
        """Block until everything tracked in this process before the call is durable in the
        daemon, so a read sees it; free when nothing is pending. TrackingError after timeout."""
        if os.getpid() != self._pid or self.stream.stopping or not self.pending():
            return
        try:
            self.wait(self.flush(), timeout)
        except errors.TrackingError as exc:
            raise errors.TrackingError(
                f"a read waits for the points this process tracked before it, but {exc}"
            ) from None
        self._close_dropped()  # a Run dropped before the read: its end_time shows

    # --- runs dropped without close() -----------------------------------------------------
    def close_later(self, tracker: Closable) -> None:
        """Close tracker's run once its points are acknowledged, on the batcher's thread (a Run
        was garbage-collected). Returns at once: the dropping thread never waits for the daemon."""
        with self._closing_lock:
            self._closing.append(_Dropped(tracker))
        self._wake.set()

    def _close_dropped(self) -> None:
        """Close the runs of dropped Runs whose points a flush took and the daemon acknowledged."""
        with self._closing_lock:
            done = [d for d in self._closing if d.seq is not None and self.stream.acknowledged(d.seq)]
            if not done:
                return
            self._closing = [d for d in self._closing if d not in done]
        for dropped in done:
            run_hash = dropped.tracker.run_hash
            self.open_runs.discard(run_hash)
            try:
                self.client.close_run(run_hash)
            except errors.AimError as exc:
                log.error("aim: closing run %s, dropped without close(), failed: %s", run_hash, exc)

    # --- objects ------------------------------------------------------------------------
    def _flush_objects(self, buffers: list[ObjectBuffer]) -> None:
        """Encode the buffered objects and queue them, payloads first (with the drain lock held)."""
        limit = self.client.max_message_bytes
        packer = Packer(self._sent_blobs, self.stream.queue, min(MAX_BATCH_BYTES, limit // 2))
        # Taken rounds are encoded one ahead of packing, so the encoder threads stay busy.
        pending: deque[tuple[ObjectBuffer, list[Any], Iterator[EncodedPoint | BaseException]]] = deque()
        for buffer in buffers:
            while items := buffer.take(min(TAKE_OBJECTS, max(1, buffer.max_items))):
                with self._taken:
                    self._taken.notify_all()
                if limit < BLOB_CHUNK_BYTES + MESSAGE_OVERHEAD_BYTES:
                    self._drop(
                        buffer, items, f"the daemon's messages ({limit} bytes at most) cannot carry blobs"
                    )
                    continue
                pending.append((buffer, items, encoded(buffer, items, self._encoder_pool)))
                if len(pending) > 1:
                    self._pack(packer, *pending.popleft())
        while pending:
            self._pack(packer, *pending.popleft())
        packer.cut()

    def _encoder_pool(self) -> Encoders:
        if self._encoders is None:
            self._encoders = Encoders(ENCODE_THREADS)
        return self._encoders

    def _pack(
        self,
        packer: Packer,
        buffer: ObjectBuffer,
        items: list[Any],
        points: Iterator[EncodedPoint | BaseException],
    ) -> None:
        for item, point in zip(items, points, strict=True):
            if isinstance(point, BaseException):
                self._drop(buffer, [item], f"encoding failed ({type(point).__name__}: {point})")
            else:
                packer.add(buffer, point)

    def _drop(self, buffer: ObjectBuffer, items: list[Any], why: str) -> None:
        """Report object points that cannot be sent (close() raises TrackingError)."""
        message = f"{len(items)} point(s) of {buffer.name!r} {buffer.context} from step {items[0][0]}: {why}"
        log.error("aim: dropped %s", message)
        self.stream.report(message)

    def _batch_loop(self) -> None:
        while not self.stream.stopping:
            self._wake.wait(FLUSH_INTERVAL_S)
            self._wake.clear()
            try:
                self.flush()
                self._close_dropped()
            except Exception as exc:  # never let the batcher die: report, and the next round goes on
                log.exception("aim: draining tracked points failed")
                self.stream.report(
                    f"batching tracked points failed ({type(exc).__name__}: {exc}); "
                    "the points being batched were lost"
                )

    # --- the end ------------------------------------------------------------------------
    def shutdown(self, timeout: float = EXIT_TIMEOUT_S) -> None:
        """Flush, wait for acknowledgements, close the runs still open, end the stream.

        Only in the process that made this sender: a forked child inherits it (in the exit hooks
        too) but not its threads, and must not close its parent's runs.
        """
        if self.stream.stopping or os.getpid() != self._pid:
            return
        deadline = self.stream.deadline = time.monotonic() + timeout
        try:
            self.wait(self.flush(), timeout)
            self._close_dropped()
            for run_hash in list(self.open_runs):
                self.client.close_run(run_hash, deadline=deadline)
        except Exception as exc:  # AimError, or a bug: the exit must go on
            log.error("aim: at exit, %s; lost: %s", exc, self.stream.describe_unacked())
        finally:
            for message in self.take_rejections():
                log.error("aim: not stored: %s", message)
            self.stream.stop()
            self._wake.set()


def close_sender(target: Target) -> None:
    """Shut down this process's sender and client for target, if it has them (the tests call it
    before stopping a daemon, so that nothing in this process starts it again)."""
    sender = pop_cached(f"sender:{target.key}")
    if sender is not None:
        sender.shutdown()
    client = pop_cached(f"client:{target.key}")
    if client is not None:
        client.close()


def sender_for(target: Target) -> Sender:
    """This process's sender for a target."""
    return cached(f"sender:{target.key}", lambda: _new_sender(target))


def _new_sender(target: Target) -> Sender:
    client = client_for(target)
    sender = Sender(client)
    client.read_after(sender.settle)  # every read of this client first waits for this process's points
    _live.add(sender)
    # multiprocessing children leave through os._exit, which skips atexit: hook in there too.
    multiprocessing.util.Finalize(None, sender.shutdown, exitpriority=100)
    return sender


_live: weakref.WeakSet[Sender] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for sender in list(_live):
        sender.shutdown()
