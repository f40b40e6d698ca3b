"""The background sender: drains track() buffers into numbered batches and streams them to aimd.

One Sender per process and daemon. Two threads: the batcher wakes every FLUSH_INTERVAL_S (or
when a buffer fills) and turns buffered points into Batch messages; the streamer keeps one Track
stream open, feeds it the batches not yet acknowledged and retires them as acks arrive.

Delivery: each batch keeps its seq until the daemon says it is durable. When the stream breaks
(the daemon died or restarted), the streamer reconnects, starting the daemon if needed, and
replays every unacknowledged batch; the daemon drops those it already has. A client that dies
loses at most the points not yet in an acknowledged batch.

Back-pressure: at most MAX_UNACKED_BYTES of batches wait for acknowledgement; past that the
batcher stops draining, buffers grow to their own cap, and track() blocks until the daemon
catches up. Memory stays bounded and no point is ever dropped.

Objects (images, ...): the batcher takes the buffered points of each object sequence, has them
encoded (`encode()`: PNG & co., and a SHA-256 per payload) on ENCODE_THREADS encoder threads
for the heavy kinds (PIL's encoders and hashlib release the GIL; one core encodes ~2,200
64x64 PNGs/s, measured), and packs them into batches: each payload not sent before by this
process goes first, as BlobChunks of BLOB_CHUNK_BYTES, then the point that names it, so no
message exceeds the daemon's cap whatever the payload's size. Blob chunks are part of the
batch, so replay after a reconnect resends them. A payload whose batch the daemon refused is
sent again the next time it is tracked. An object whose encoding fails is dropped and
reported like a refused batch (close() raises TrackingError).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util
import os
import queue
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

import grpc
import numpy as np

from aim import errors
from aim._transport.channel import Target, cached, pop_cached
from aim._transport.client import Client, client_for
from aimproto.v1 import common_pb2, tracking_pb2

log = logging.getLogger("aim")

FLUSH_INTERVAL_S = 0.05
MAX_BATCH_POINTS = 65536  # about 2 MiB on the wire
MAX_BATCH_BYTES = 4 * 2**20  # of blob chunks and object records (or half the daemon's cap)
MAX_UNACKED_BYTES = 64 * 2**20
BLOB_CHUNK_BYTES = common_pb2.BLOB_CHUNK_BYTES  # the wire contract's fixed chunk size (1 MiB)
TAKE_OBJECTS = 512  # object points taken from a buffer at a time
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
ENCODE_THREADS = min(8, _CORES)  # measured on 2 cores: 2 threads best (3 or 4 oversubscribe: slower)
ENCODE_GROUP_MIN = 4  # object points per encoder task, at least
MAX_SENT_BLOBS = 100_000  # SHA-256s remembered as sent (beyond: forgotten, the daemon still dedups)
MESSAGE_OVERHEAD_BYTES = 2**16  # room for a batch's other fields beside one blob chunk
EXIT_TIMEOUT_S = 60.0
BACKOFF_S = (0.05, 2.0)
FAILED_SEQ_KEY = "aim-failed-seq"
TRANSIENT = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.DEADLINE_EXCEEDED,
}
REFUSED_CREDENTIALS = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}


class Buffer(Protocol):
    """What the sender needs of a track() buffer (aim._tracking.SeriesWriter)."""

    def drain(self, limit: int) -> tracking_pb2.SeriesChunk | None: ...


Record = tuple[str, bytes, bytes]  # meta JSON, payload, SHA-256 of the payload
EncodedPoint = tuple[int, float, float, list[Record]]  # step, epoch, time, records


class ObjectBuffer(Protocol):
    """What the sender needs of an object sequence's buffer (aim._tracking.ObjectWriter)."""

    run_hash: str
    name: str
    context: str
    dtype: int
    heavy: bool  # encode on the encoder threads

    max_items: int  # points its buffer holds before track() waits for the batcher

    def __len__(self) -> int: ...

    def take(self, limit: int) -> list[Any]: ...

    def encode(self, item: Any) -> EncodedPoint: ...


class Sender:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.open_runs: set[str] = set()
        self.rejected: list[str] = []  # messages of batches the daemon refused
        self._buffers: weakref.WeakSet[Buffer] = weakref.WeakSet()
        self._object_buffers: weakref.WeakSet[ObjectBuffer] = weakref.WeakSet()
        self._buffers_lock = threading.Lock()
        self._cv = threading.Condition()
        # seq, request, its size, the SHA-256s of the blobs it carries
        self._unacked: deque[tuple[int, tracking_pb2.TrackRequest, int, tuple[bytes, ...]]] = deque()
        self._unacked_bytes = 0
        self._sent_blobs: set[bytes] = set()  # in a batch queued, or acknowledged
        self._encoders: _Encoders | None = None
        self._next_seq = 1
        self._drain_lock = threading.Lock()
        self._wake = threading.Event()
        self._taken = threading.Condition()  # notified when the batcher takes object points
        self._pid = os.getpid()
        self._stopping = False
        self._token: object = object()
        self._threads = [
            threading.Thread(target=self._batch_loop, name="aim-batcher", daemon=True),
            threading.Thread(target=self._stream_loop, name="aim-streamer", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

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
            while len(buffer) >= room and not self._stopping and self._threads[0].is_alive():
                self._wake.set()
                self._taken.wait(FLUSH_INTERVAL_S)
        if len(buffer) >= room:  # no batcher to wait for (shutting down): drain here
            self.flush()

    def flush(self) -> int:
        """Drain every buffer into batches now; returns the seq of the last batch made so far."""
        with self._drain_lock:
            series: list[tracking_pb2.SeriesChunk] = []
            points = 0
            with self._buffers_lock:  # another thread may be registering a new sequence
                buffers = list(self._buffers)
                object_buffers = list(self._object_buffers) if self._object_buffers else ()
            for buffer in buffers:
                while (chunk := buffer.drain(MAX_BATCH_POINTS - points)) is not None:
                    series.append(chunk)
                    points += chunk.count
                    if points >= MAX_BATCH_POINTS:
                        self._enqueue(series)
                        series, points = [], 0
            if series:
                self._enqueue(series)
            if object_buffers:
                self._flush_objects(object_buffers)
            return self._next_seq - 1

    def _enqueue(self, series: list[tracking_pb2.SeriesChunk]) -> None:
        self._queue(tracking_pb2.TrackRequest(batch=tracking_pb2.Batch(series=series)))

    def _queue(self, request: tracking_pb2.TrackRequest, shas: tuple[bytes, ...] = ()) -> None:
        """Number a batch and queue it as unacknowledged (blocking while too much is)."""
        seq = self._next_seq
        self._next_seq += 1
        request.batch.seq = seq
        size = request.ByteSize()
        with self._cv:
            while self._unacked_bytes > MAX_UNACKED_BYTES and not self._stopping:
                self._cv.wait()
            self._unacked.append((seq, request, size, shas))
            self._unacked_bytes += size
            self._cv.notify_all()

    # --- objects ------------------------------------------------------------------------
    def _flush_objects(self, buffers: list[ObjectBuffer]) -> None:
        """Encode the buffered objects and queue them, payloads first (with the drain lock held)."""
        limit = self.client.max_message_bytes
        packer = _Packer(self, min(MAX_BATCH_BYTES, limit // 2))
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
                pending.append((buffer, items, self._encode(buffer, items)))
                if len(pending) > 1:
                    self._pack(packer, *pending.popleft())
        while pending:
            self._pack(packer, *pending.popleft())
        packer.cut()

    def _encode(self, buffer: ObjectBuffer, items: list[Any]) -> Iterator[EncodedPoint | BaseException]:
        """The items encoded, in order: on the encoder threads for heavy kinds (starting at once),
        else here, as they are consumed."""
        if not buffer.heavy or len(items) < 2 * ENCODE_GROUP_MIN or ENCODE_THREADS < 2:
            return _encode_each(buffer.encode, items)
        if self._encoders is None:
            self._encoders = _Encoders(ENCODE_THREADS)
        size = max(ENCODE_GROUP_MIN, -(-len(items) // (2 * ENCODE_THREADS)))
        groups = [items[i : i + size] for i in range(0, len(items), size)]
        results = self._encoders.map(lambda group: list(_encode_each(buffer.encode, group)), groups)
        return (point for group in results for point in group)

    def _pack(
        self,
        packer: _Packer,
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
        with self._cv:
            self.rejected.append(message)

    def _mark_sent(self, sha: bytes) -> bool:
        """True when the blob still needs sending (and mark it as sent)."""
        sent = self._sent_blobs
        if sha in sent:
            return False
        if len(sent) >= MAX_SENT_BLOBS:
            sent.clear()
        sent.add(sha)
        return True

    def wait(self, seq: int, timeout: float | None) -> None:
        """Block until every batch up to seq is acknowledged (or refused); raise on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            while self._unacked and self._unacked[0][0] <= seq:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise errors.TrackingError(
                        f"the daemon did not acknowledge {len(self._unacked)} batches within {timeout:.0f} s"
                    )
                self._cv.wait(left)

    def take_rejections(self) -> list[str]:
        with self._cv:
            rejected, self.rejected = self.rejected, []
        return rejected

    def _batch_loop(self) -> None:
        while not self._stopping:
            self._wake.wait(FLUSH_INTERVAL_S)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # never let the batcher die: the next round retries
                log.exception("aim: draining tracked points failed")

    # --- the stream side ----------------------------------------------------------------
    def _requests(self, token: object) -> Iterator[tracking_pb2.TrackRequest]:
        yield tracking_pb2.TrackRequest(hello=tracking_pb2.Hello(client_id=self.client.client_id))
        last = 0
        while True:
            with self._cv:
                while self._token is token and not (self._unacked and self._unacked[-1][0] > last):
                    if self._stopping and not self._unacked:
                        return  # everything acknowledged: half-close the stream
                    self._cv.wait()
                if self._token is not token:
                    return
                pending = [entry for entry in self._unacked if entry[0] > last]
            for seq, request, *_ in pending:
                yield request
                last = seq

    def _on_ack(self, durable: int) -> None:
        with self._cv:
            while self._unacked and self._unacked[0][0] <= durable:
                self._unacked_bytes -= self._unacked.popleft()[2]
            self._cv.notify_all()

    def _reject(self, exc: grpc.RpcError) -> bool:
        """Drop the batch the daemon refused (named in the trailing metadata); False if none was named."""
        failed = dict(exc.trailing_metadata() or ()).get(FAILED_SEQ_KEY)
        if failed is None or not failed.isdigit():
            return False
        with self._cv:
            for entry in list(self._unacked):
                if entry[0] == int(failed):
                    self._unacked.remove(entry)
                    self._unacked_bytes -= entry[2]
                    self._sent_blobs.difference_update(entry[3])  # not stored: send them again
            self.rejected.append(exc.details() or exc.code().name)
            self._cv.notify_all()
        return True

    def _drop_unacked(self, why: str) -> None:
        with self._cv:
            for entry in self._unacked:
                self._sent_blobs.difference_update(entry[3])
            self._unacked.clear()
            self._unacked_bytes = 0
            self.rejected.append(why)
            self._cv.notify_all()

    def _stream_loop(self) -> None:
        delay = BACKOFF_S[0]
        while True:
            generation = self.client.generation
            token = self._token = object()
            try:
                for ack in self.client.track_stream(self._requests(token)):
                    self._on_ack(ack.durable_seq)
                    delay = BACKOFF_S[0]
            except grpc.RpcError as exc:
                if exc.code() in REFUSED_CREDENTIALS:  # replaying cannot help: drop, close() says why
                    self._drop_unacked(exc.details() or exc.code().name)
                if exc.code() not in TRANSIENT and self._reject(exc):
                    log.error("aim: the daemon refused a batch: %s", exc.details())
                    continue  # replay the rest at once
                if exc.code() not in TRANSIENT:
                    log.error("aim: the daemon ended the track stream: %s", exc.details())
            with self._cv:
                self._token = object()  # retire the old request generator
                self._cv.notify_all()
                # Reconnect only with something to send: an idle client must not restart a
                # daemon that was stopped or exited for idleness.
                while not self._unacked and not self._stopping:
                    self._cv.wait()
                if self._stopping and not self._unacked:
                    return
            time.sleep(delay)
            delay = min(delay * 2, BACKOFF_S[1])
            try:
                self.client.reconnect(generation)
            except errors.AimError as exc:
                log.warning("aim: reconnecting to the daemon failed: %s", exc)

    # --- the end ------------------------------------------------------------------------
    def shutdown(self, timeout: float = EXIT_TIMEOUT_S) -> None:
        """Flush, wait for acknowledgements, close the runs still open, end the stream.

        Only in the process that made this sender: a forked child inherits it (in the exit hooks
        too) but not its threads, and must not close its parent's runs.
        """
        if self._stopping or os.getpid() != self._pid:
            return
        try:
            self.wait(self.flush(), timeout)
            for run_hash in list(self.open_runs):
                self.client.close_run(run_hash)
        except errors.AimError as exc:
            log.error("aim: at exit, %s", exc)
        finally:
            with self._cv:
                self._stopping = True
                self._cv.notify_all()
            self._wake.set()


class _Packer:
    """Packs encoded object points into batches of about max_bytes: each payload not sent before,
    as chunks, before the first point that names it. Builds the messages in place (a message
    added to a repeated field later would be copied)."""

    def __init__(self, sender: Sender, max_bytes: int) -> None:
        self.sender = sender
        self.max_bytes = max_bytes
        self.request = tracking_pb2.TrackRequest()
        self.shas: list[bytes] = []  # of the blobs in this batch
        self.bytes = 0
        self.buffer: ObjectBuffer | None = None  # whose points the columns below hold
        self._reset_columns()

    def _reset_columns(self) -> None:
        self.steps: list[int] = []
        self.epochs: list[float] = []
        self.stamps: list[float] = []
        self.counts: list[int] = []
        self.metas: list[str] = []
        self.point_shas: list[bytes] = []

    def add(self, buffer: ObjectBuffer, point: EncodedPoint) -> None:
        step, epoch, stamp, records = point
        for _, payload, sha in records:
            if self.sender._mark_sent(sha):
                self._add_blob(sha, payload)
        if buffer is not self.buffer:
            self._close_series()
            self.buffer = buffer
        self.steps.append(step)
        self.epochs.append(epoch)
        self.stamps.append(stamp)
        self.counts.append(len(records))
        for meta, _, sha in records:
            self.metas.append(meta)
            self.point_shas.append(sha)
            self.bytes += len(meta) + 40
        self.bytes += 32
        if self.bytes >= self.max_bytes:
            self.cut()

    def _add_blob(self, sha: bytes, payload: bytes) -> None:
        size = len(payload)
        if size <= BLOB_CHUNK_BYTES:  # the common case: one chunk
            if self.bytes and self.bytes + size > self.max_bytes:
                self.cut()
            self.shas.append(sha)
            self.request.batch.blobs.add(sha256=sha, size=size, index=0, data=payload)
            self.bytes += size + 48
            return
        for index, start in enumerate(range(0, size, BLOB_CHUNK_BYTES)):
            data = payload[start : start + BLOB_CHUNK_BYTES]
            if self.bytes and self.bytes + len(data) > self.max_bytes:
                self.cut()
            self.shas.append(sha)  # in every batch with one of its chunks: a refusal resends it all
            self.request.batch.blobs.add(sha256=sha, size=size, index=index, data=data)
            self.bytes += len(data) + 48

    def _close_series(self) -> None:
        buffer = self.buffer
        if buffer is None or not self.steps:
            return
        self.request.batch.objects.add(
            run_hash=buffer.run_hash,
            name=buffer.name,
            context=buffer.context,
            dtype=buffer.dtype,  # type: ignore[arg-type]
            count=len(self.steps),
            steps=_column("<i8", self.steps),
            epochs=_column("<f8", self.epochs),
            timestamps=_column("<f8", self.stamps),
            record_counts=self.counts,
            metas=self.metas,
            shas=b"".join(self.point_shas),
        )
        self._reset_columns()

    def cut(self) -> None:
        """Queue what is packed as one batch."""
        self._close_series()
        batch = self.request.batch
        if len(batch.blobs) or len(batch.objects):
            self.sender._queue(self.request, tuple(dict.fromkeys(self.shas)))
            self.request = tracking_pb2.TrackRequest()
        self.shas, self.bytes = [], 0


def _column(fmt: str, values: list[Any]) -> bytes:
    return np.array(values, fmt).tobytes()


def _encode_each(
    encode: Callable[[Any], EncodedPoint], items: Iterable[Any]
) -> Iterator[EncodedPoint | BaseException]:
    for item in items:
        try:
            yield encode(item)
        except Exception as exc:  # a bad object: reported, and only its point is dropped
            yield exc


class _Encoders:
    """Daemon threads that run encoding tasks; map() returns results in order. Daemon threads (not
    a ThreadPoolExecutor, which refuses work once the interpreter starts exiting) keep working
    for the flush at exit."""

    def __init__(self, count: int) -> None:
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        for i in range(count):
            threading.Thread(target=self._work, name=f"aim-encoder-{i}", daemon=True).start()

    def _work(self) -> None:
        while True:
            fn, arg, slot = self._tasks.get()
            try:
                slot.put((True, fn(arg)))
            except BaseException as exc:  # handed to the caller, who raises it
                slot.put((False, exc))

    def map(self, fn: Callable[[Any], Any], args: list[Any]) -> Iterator[Any]:
        """Start fn(arg) for every arg now; the results, in order, as they are iterated."""
        slots = []
        for arg in args:
            slot: queue.SimpleQueue = queue.SimpleQueue()
            self._tasks.put((fn, arg, slot))
            slots.append(slot)
        return self._results(slots)

    @staticmethod
    def _results(slots: list[queue.SimpleQueue]) -> Iterator[Any]:
        for slot in slots:
            ok, result = slot.get()
            if not ok:
                raise result
            yield result


def close_sender(target: Target) -> None:
    """Shut down this process's sender for target, if it has one (tests, and Repo owners)."""
    sender = pop_cached(f"sender:{target.key}")
    if sender is not None:
        sender.shutdown()
    client = pop_cached(f"client:{target.key}")
    if client is not None:
        client.close()


def sender_for(target: Target) -> Sender:
    """This process's sender for a target."""
    return cached(f"sender:{target.key}", lambda: _new_sender(target))  # type: ignore[return-value]


def _new_sender(target: Target) -> Sender:
    sender = Sender(client_for(target))
    _live.add(sender)
    # multiprocessing children leave through os._exit, which skips atexit: hook in there too.
    multiprocessing.util.Finalize(None, sender.shutdown, exitpriority=100)
    return sender


_live: weakref.WeakSet[Sender] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for sender in list(_live):
        sender.shutdown()
