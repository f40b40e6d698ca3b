"""A stand-in for the gRPC side of the Track stream, so TrackStream and Sender run alone: no daemon,
no socket, no sleeps. The test plays the daemon: it reads what the client sent on each stream
(Session.received) and scripts the replies (ack, fail, end)."""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from aimproto import contract
from aimproto.v1 import tracking_pb2

DEADLINE_S = 10.0
_END = object()


def wait_until(predicate: Callable[[], Any], cv: threading.Condition, what: str) -> Any:
    """Wait (holding cv, notified on every change) until predicate() is true; fail after DEADLINE_S."""
    deadline = time.monotonic() + DEADLINE_S
    with cv:
        while not (result := predicate()):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"not within {DEADLINE_S} s: {what}")
            cv.wait(left)
        return result


class FakeRpcError(grpc.RpcError):
    """How a grpc call that ended with a status reads to the client."""

    def __init__(self, code: grpc.StatusCode, details: str, trailing: tuple = ()) -> None:
        self._code, self._details, self._trailing = code, details, trailing

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple:
        return self._trailing


class Session:
    """One Track stream the client opened: a thread reads its requests as grpc's would."""

    def __init__(self, requests: Iterator[tracking_pb2.TrackRequest]) -> None:
        self.received: list[tracking_pb2.TrackRequest] = []
        self.half_closed = False
        self.cv = threading.Condition()
        self._replies: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._read, args=(requests,), daemon=True).start()

    def _read(self, requests: Iterator[tracking_pb2.TrackRequest]) -> None:
        for request in requests:
            with self.cv:
                self.received.append(request)
                self.cv.notify_all()
        with self.cv:
            self.half_closed = True
            self.cv.notify_all()
        self._replies.put(_END)  # the client half-closed: the daemon ends the stream

    def replies(self) -> Iterator[tracking_pb2.TrackAck]:
        while (reply := self._replies.get()) is not _END:
            if isinstance(reply, BaseException):
                raise reply
            yield reply

    # --- the test's side ------------------------------------------------------------------
    def seqs(self) -> list[int]:
        """The seqs of the batches received so far, in order."""
        with self.cv:
            return [r.batch.seq for r in self.received if r.HasField("batch")]

    def wait_for_seqs(self, count: int) -> list[int]:
        """The seqs once count batches have arrived."""
        wait_until(lambda: len(self.seqs()) >= count, self.cv, f"{count} batches on this stream")
        return self.seqs()

    def ack(self, durable_seq: int) -> None:
        self._replies.put(tracking_pb2.TrackAck(durable_seq=durable_seq))

    def fail(self, code: grpc.StatusCode, details: str = "", failed_seq: int | None = None) -> None:
        """End the stream with a status (and, for a refused batch, its seq in the trailing metadata)."""
        trailing = () if failed_seq is None else ((contract.FAILED_SEQ_KEY, str(failed_seq)),)
        self._replies.put(FakeRpcError(code, details, trailing))


class FakeClient:
    """What TrackStream, Sender and a tracking Run use of aim._transport.client.Client."""

    def __init__(self, max_message_bytes: int = 64 * 2**20) -> None:
        self.client_id = "fake-client"
        self.generation = 1
        self.max_message_bytes = max_message_bytes
        self.sessions: list[Session] = []
        self.reconnects = 0
        self.cv = threading.Condition()

    def track_stream(self, requests: Iterator[tracking_pb2.TrackRequest]) -> Iterator[tracking_pb2.TrackAck]:
        session = Session(requests)
        with self.cv:
            self.sessions.append(session)
            self.cv.notify_all()
        return session.replies()

    def reconnect(self, seen_generation: int) -> None:
        with self.cv:
            if self.generation == seen_generation:
                self.generation += 1
                self.reconnects += 1

    def session(self, index: int) -> Session:
        """The index-th Track stream opened (0: the first), once it is open."""
        wait_until(lambda: len(self.sessions) > index, self.cv, f"Track stream #{index + 1} opened")
        with self.cv:
            return self.sessions[index]

    # --- the unary calls a tracking Run makes -------------------------------------------
    def open_run(self, run_hash: str, **_: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return {"hash": run_hash, "active": True, "tags": []}, []

    def close_run(
        self, run_hash: str, *, force: bool = False, deadline: float | None = None
    ) -> dict[str, Any]:
        return {"hash": run_hash, "active": False, "tags": []}


def request(points: int = 1) -> tracking_pb2.TrackRequest:
    """A Track batch (not yet numbered) of one series of points: its size grows with points."""
    return tracking_pb2.TrackRequest(
        batch=tracking_pb2.Batch(
            series=[
                tracking_pb2.SeriesChunk(
                    run_hash="0" * 24, name="loss", count=points, steps=b"\0" * 8 * points
                )
            ]
        )
    )


def parked_in(thread: threading.Thread, function: str, module: Any) -> bool:
    """Whether thread waits on a threading.Condition inside function (of module): it is blocked."""
    frame = sys._current_frames().get(thread.ident)  # type: ignore[arg-type]  # a started thread has an ident
    if frame is None or frame.f_code.co_filename != threading.__file__ or frame.f_code.co_name != "wait":
        return False
    while frame is not None:
        if frame.f_code.co_name == function and frame.f_code.co_filename == module.__file__:
            return True
        frame = frame.f_back
    return False


def wait_parked(thread: threading.Thread, function: str, module: Any) -> None:
    """Wait until thread blocks inside function (polled: a blocked thread notifies nobody)."""
    deadline = time.monotonic() + DEADLINE_S
    while not parked_in(thread, function, module):
        assert thread.is_alive(), f"{thread.name} ended instead of blocking in {function}()"
        assert time.monotonic() < deadline, (
            f"{thread.name} did not block in {function}() within {DEADLINE_S} s"
        )
        time.sleep(0.001)
