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
from typing import Protocol

import grpc

from aim import errors
from aim._transport.channel import Target, cached, pop_cached
from aim._transport.client import Client, client_for
from aimproto.v1 import tracking_pb2

log = logging.getLogger("aim")

FLUSH_INTERVAL_S = 0.05
MAX_BATCH_POINTS = 65536  # about 2 MiB on the wire
MAX_UNACKED_BYTES = 64 * 2**20
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


class Buffer(Protocol):
    """What the sender needs of a track() buffer (aim._tracking.SeriesWriter)."""

    def drain(self, limit: int) -> tracking_pb2.SeriesChunk | None: ...


class Sender:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.open_runs: set[str] = set()
        self.rejected: list[str] = []  # messages of batches the daemon refused
        self._buffers: weakref.WeakSet[Buffer] = weakref.WeakSet()
        self._buffers_lock = threading.Lock()
        self._cv = threading.Condition()
        self._unacked: deque[tuple[int, tracking_pb2.TrackRequest, int]] = deque()
        self._unacked_bytes = 0
        self._next_seq = 1
        self._drain_lock = threading.Lock()
        self._wake = threading.Event()
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

    def wake(self) -> None:
        """Ask the batcher to drain now (a buffer is full)."""
        self._wake.set()

    def flush(self) -> int:
        """Drain every buffer into batches now; returns the seq of the last batch made so far."""
        with self._drain_lock:
            series: list[tracking_pb2.SeriesChunk] = []
            points = 0
            with self._buffers_lock:  # another thread may be registering a new sequence
                buffers = list(self._buffers)
            for buffer in buffers:
                while (chunk := buffer.drain(MAX_BATCH_POINTS - points)) is not None:
                    series.append(chunk)
                    points += chunk.count
                    if points >= MAX_BATCH_POINTS:
                        self._enqueue(series)
                        series, points = [], 0
            if series:
                self._enqueue(series)
            return self._next_seq - 1

    def _enqueue(self, series: list[tracking_pb2.SeriesChunk]) -> None:
        seq = self._next_seq
        self._next_seq += 1
        request = tracking_pb2.TrackRequest(batch=tracking_pb2.Batch(seq=seq, series=series))
        size = request.ByteSize()
        with self._cv:
            while self._unacked_bytes > MAX_UNACKED_BYTES and not self._stopping:
                self._cv.wait()
            self._unacked.append((seq, request, size))
            self._unacked_bytes += size
            self._cv.notify_all()

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
            for seq, request, _ in pending:
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
            self.rejected.append(exc.details() or exc.code().name)
            self._cv.notify_all()
        return True

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
