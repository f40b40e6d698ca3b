"""The Track stream: numbered batches waiting for acknowledgement, sent over one bidirectional
stream that is reopened (starting the daemon if needed) and replayed when it breaks.

Delivery: each batch keeps its seq until the daemon says it is durable. When the stream breaks
(the daemon died or restarted), the streamer thread reconnects and replays every unacknowledged
batch; the daemon drops those it already has. Back-pressure: at most MAX_UNACKED_BYTES of
batches wait for acknowledgement; past that queue() blocks until the daemon catches up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator

import grpc

from aim import errors
from aim._transport.client import Client
from aimproto import contract
from aimproto.v1 import tracking_pb2

log = logging.getLogger("aim")

MAX_UNACKED_BYTES = 64 * 2**20
BACKOFF_S = (0.05, 2.0)
TRANSIENT = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.DEADLINE_EXCEEDED,
}
REFUSED_CREDENTIALS = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}


class TrackStream:
    """The unacknowledged batches of one process for one daemon, and the thread streaming them.

    on_refused(shas): the daemon refused a batch carrying these blobs (they must go again).
    on_new_stream(): a stream is being opened (the blobs sent before must go again when tracked).
    """

    def __init__(
        self,
        client: Client,
        on_refused: Callable[[Iterable[bytes]], None],
        on_new_stream: Callable[[], None] = lambda: None,
    ) -> None:
        self.client = client
        self.rejected: list[str] = []  # messages of batches the daemon refused, or points dropped
        self.stopping = False
        self._on_refused = on_refused
        self._on_new_stream = on_new_stream
        self._cv = threading.Condition()
        # seq, request, its size, the SHA-256s of the blobs it carries
        self._unacked: deque[tuple[int, tracking_pb2.TrackRequest, int, tuple[bytes, ...]]] = deque()
        self._unacked_bytes = 0
        self._next_seq = 1
        self._token: object = object()
        self.thread = threading.Thread(target=self._stream_loop, name="aim-streamer", daemon=True)
        self.thread.start()

    # --- the batcher's side -----------------------------------------------------------------
    @property
    def last_seq(self) -> int:
        """The seq of the last batch queued so far."""
        return self._next_seq - 1

    @property
    def unacked(self) -> bool:
        """Whether some queued batch waits for its acknowledgement."""
        return bool(self._unacked)

    def acknowledged(self, seq: int) -> bool:
        """Whether every batch up to seq is acknowledged (or refused)."""
        with self._cv:
            return not self._unacked or self._unacked[0][0] > seq

    def queue(self, request: tracking_pb2.TrackRequest, shas: tuple[bytes, ...] = ()) -> None:
        """Number a batch and queue it as unacknowledged (blocking while too much is)."""
        seq = self._next_seq
        self._next_seq += 1
        request.batch.seq = seq
        size = request.ByteSize()
        with self._cv:
            while self._unacked_bytes > MAX_UNACKED_BYTES and not self.stopping:
                self._cv.wait()
            self._unacked.append((seq, request, size, shas))
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

    def report(self, message: str) -> None:
        """Note points that were not stored (close() raises TrackingError)."""
        with self._cv:
            self.rejected.append(message)

    def take_rejections(self) -> list[str]:
        with self._cv:
            rejected, self.rejected = self.rejected, []
        return rejected

    def stop(self) -> None:
        """End the stream once everything queued is acknowledged."""
        with self._cv:
            self.stopping = True
            self._cv.notify_all()

    # --- the stream ---------------------------------------------------------------------------
    def _requests(self, token: object) -> Iterator[tracking_pb2.TrackRequest]:
        yield tracking_pb2.TrackRequest(hello=tracking_pb2.Hello(client_id=self.client.client_id))
        last = 0
        while True:
            with self._cv:
                while self._token is token and not (self._unacked and self._unacked[-1][0] > last):
                    if self.stopping and not self._unacked:
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
        failed = dict(exc.trailing_metadata() or ()).get(contract.FAILED_SEQ_KEY)
        if failed is None or not failed.isdigit():
            return False
        with self._cv:
            for entry in list(self._unacked):
                if entry[0] == int(failed):
                    self._unacked.remove(entry)
                    self._unacked_bytes -= entry[2]
                    self._on_refused(entry[3])  # not stored: send them again
            self.rejected.append(exc.details() or exc.code().name)
            self._cv.notify_all()
        return True

    def _drop_unacked(self, why: str) -> None:
        """Drop every unacknowledged batch (the daemon refuses this client's token: replaying
        cannot help); close() raises with why."""
        with self._cv:
            for entry in self._unacked:
                self._on_refused(entry[3])
            self._unacked.clear()
            self._unacked_bytes = 0
            self.rejected.append(why)
            self._cv.notify_all()

    def _stream_loop(self) -> None:
        delay = BACKOFF_S[0]
        while True:
            generation = self.client.generation
            token = self._token = object()
            self._on_new_stream()
            try:
                for ack in self.client.track_stream(self._requests(token)):
                    self._on_ack(ack.durable_seq)
                    delay = BACKOFF_S[0]
            except grpc.RpcError as exc:
                if exc.code() in REFUSED_CREDENTIALS:
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
                while not self._unacked and not self.stopping:
                    self._cv.wait()
                if self.stopping and not self._unacked:
                    return
            time.sleep(delay)
            delay = min(delay * 2, BACKOFF_S[1])
            try:
                self.client.reconnect(generation)
            except errors.AimError as exc:
                log.warning("aim: reconnecting to the daemon failed: %s", exc)
