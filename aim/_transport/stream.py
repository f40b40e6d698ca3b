"""The Track stream: numbered batches waiting for acknowledgement, sent over one bidirectional
stream that is reopened (starting the daemon if needed) and replayed when it breaks.

Delivery: each batch keeps its seq until the daemon says it is durable. When the stream breaks
(the daemon died or restarted, or could not write its store), the streamer thread reconnects and
replays every unacknowledged batch, in order, from the oldest: a later batch never reaches the
daemon before an earlier one that failed; the daemon drops those it already has. Back-pressure:
at most MAX_UNACKED_BYTES of batches wait for acknowledgement; past that queue() blocks until
the daemon catches up.

Bounded waits: when the daemon has acknowledged nothing for RETRY_TIMEOUT_S while batches wait
(it is gone, hung, or its disk refuses writes), wait() raises TrackingError naming the cause, and
queue() drops a new batch past the bound (reported). Unacknowledged batches are kept and
replayed as long as the process lives. Parts of a batch the daemon refused (TrackAck.refused)
and anything that went wrong on the streamer thread are reported: the next track() or close()
raises TrackingError with it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator

import grpc

from aim import errors
from aim._transport.client import RETRY_TIMEOUT_S, Client
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
    on_report(): something was reported (rejected grew): the next track() should raise it.
    """

    def __init__(
        self,
        client: Client,
        on_refused: Callable[[Iterable[bytes]], None],
        on_new_stream: Callable[[], None] = lambda: None,
        on_report: Callable[[], None] = lambda: None,
    ) -> None:
        self.client = client
        self.rejected: list[str] = []  # messages of batches the daemon refused, or points dropped
        self.stopping = False
        self.failure = ""  # why the stream last broke, or the daemon could not be reached
        self.deadline: float | None = None  # set at exit: queue() and wait() give up there
        self._on_refused = on_refused
        self._on_new_stream = on_new_stream
        self._on_report = on_report  # called after a report (it takes no lock of ours)
        self._progress_at = time.monotonic()  # the last ack that took batches, or queue() into an empty deque
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
                left = self._give_up_in()
                if left <= 0:
                    self._on_refused(shas)  # not sent: send them again
                    message = (
                        f"{describe(request)} dropped: {self._unacked_bytes / 2**20:.0f} MiB wait for "
                        f"the daemon, which acknowledged nothing for {self._stalled_for():.0f} s "
                        f"({self.failure or 'no answer'})"
                    )
                    self.rejected.append(message)
                    break
                self._cv.wait(left)
            else:
                if not self._unacked:
                    self._progress_at = time.monotonic()
                self._unacked.append((seq, request, size, shas))
                self._unacked_bytes += size
                self._cv.notify_all()
                return
        log.error("aim: %s", message)
        self._on_report()

    def wait(self, seq: int, timeout: float | None) -> None:
        """Block until every batch up to seq is acknowledged (or refused). Raise TrackingError
        after timeout, or once the daemon acknowledged nothing for RETRY_TIMEOUT_S of this wait
        (the batches stay queued: they are replayed while the process lives)."""
        start = time.monotonic()
        deadline = None if timeout is None else start + timeout
        with self._cv:
            while self._unacked and self._unacked[0][0] <= seq:
                left = self._give_up_in(start)
                if deadline is not None:
                    left = min(left, deadline - time.monotonic())
                if not self.thread.is_alive():
                    left = 0.0
                if left <= 0:
                    timed_out = deadline is not None and time.monotonic() >= deadline
                    within = (
                        f"within {timeout:.1f} s"
                        if timed_out
                        else (f"(it acknowledged nothing for {self._stalled_for():.0f} s)")
                    )
                    raise errors.TrackingError(
                        f"the daemon did not acknowledge {self.describe_unacked()} {within}: "
                        f"{self.failure or 'it did not answer'}"
                    )
                self._cv.wait(left)

    def describe_unacked(self) -> str:
        """What waits for acknowledgement, in words (batches, points, MiB)."""
        with self._cv:
            requests = [entry[1] for entry in self._unacked]
            size = self._unacked_bytes
        points = sum(_points(r) for r in requests)
        return f"{len(requests)} batch(es) ({points} points, {size / 2**20:.1f} MiB)"

    def _stalled_for(self) -> float:
        return time.monotonic() - self._progress_at

    def _give_up_in(self, start: float = 0.0) -> float:
        """Seconds until waiting for the daemon stops (lock held): RETRY_TIMEOUT_S after the
        last progress (or after start, when later), or the exit deadline."""
        left = max(self._progress_at, start) + RETRY_TIMEOUT_S - time.monotonic()
        return left if self.deadline is None else min(left, self.deadline - time.monotonic())

    def report(self, message: str) -> None:
        """Note points that were not stored (the next track() or close() raises TrackingError)."""
        with self._cv:
            self.rejected.append(message)
        self._on_report()

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

    def _on_ack(self, ack: tracking_pb2.TrackAck) -> None:
        durable = ack.durable_seq
        with self._cv:
            if self._unacked and self._unacked[0][0] <= durable:
                self._progress_at = time.monotonic()
                self.failure = ""
            while self._unacked and self._unacked[0][0] <= durable:
                self._unacked_bytes -= self._unacked.popleft()[2]
            if ack.refused:  # reported before a waiter wakes: its next track() raises it
                self._on_refused(part.blob_sha256 for part in ack.refused if part.blob_sha256)
                for part in ack.refused:
                    log.error("aim: the daemon refused %s", refused_part(part))
                    self.rejected.append(f"the daemon refused {refused_part(part)}")
                self._on_report()
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
        self._on_report()
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
        self._on_report()

    def _stream_loop(self) -> None:
        delay = BACKOFF_S[0]
        while True:
            generation = self.client.generation
            token = self._token = object()
            self._on_new_stream()
            try:
                for ack in self.client.track_stream(self._requests(token)):
                    self._on_ack(ack)
                    delay = BACKOFF_S[0]
            except grpc.RpcError as exc:
                self.failure = _cause(exc)
                if exc.code() in REFUSED_CREDENTIALS:
                    self._drop_unacked(exc.details() or exc.code().name)
                if exc.code() not in TRANSIENT and self._reject(exc):
                    log.error("aim: the daemon refused a batch: %s", exc.details())
                    continue  # replay the rest at once
                if exc.code() not in TRANSIENT:
                    log.error("aim: the daemon ended the track stream: %s", self.failure)
            except Exception as exc:  # a bug must not end the thread: report it, replay, go on
                log.exception("aim: the track stream failed")
                self.failure = f"the sender's stream failed ({type(exc).__name__}: {exc})"
                self.report(self.failure)
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
            except Exception as exc:  # AimError, or a bug: keep trying while batches wait
                self.failure = f"reconnecting to the daemon failed: {exc}"
                log.warning("aim: %s", self.failure)


def _cause(exc: grpc.RpcError) -> str:
    """Why a Track stream broke, in words: the daemon's store error first."""
    metadata = dict(exc.trailing_metadata() or ())
    store_error = metadata.get(contract.STORE_ERROR_KEY)
    detail = exc.details() or "no detail"
    if store_error:
        return f"the daemon cannot write its store ({store_error}): {detail}"
    return f"{exc.code().name}: {detail}"


def _points(request: tracking_pb2.TrackRequest) -> int:
    batch = request.batch
    return sum(c.count for c in batch.series) + sum(o.count for o in batch.objects)


def describe(request: tracking_pb2.TrackRequest) -> str:
    """A batch in words: its points and the sequences they belong to."""
    batch = request.batch
    names = sorted({repr(part.name) for part in (*batch.series, *batch.objects)})
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"batch {batch.seq} ({_points(request)} points of {shown or 'blobs only'})"


def refused_part(part: tracking_pb2.RefusedPart) -> str:
    """A refused part of a batch in words: which sequence or blob, and why."""
    code = next((status.name for status in grpc.StatusCode if status.value[0] == part.code), str(part.code))
    what = (
        f"blob {part.blob_sha256.hex()}"
        if part.blob_sha256
        else f"the points of sequence {part.name!r} {part.context} of run {part.run_hash}"
    )
    return f"{what} ({code}): {part.reason}"
