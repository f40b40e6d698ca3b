"""The sender under faults, against a scripted stand-in for the daemon's Track stream: threads
that survive exceptions and report them, bounded waits, order-preserving replay after a failed
write, per-part refusals, and retries that give up with a cause."""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Callable, Iterator

import grpc
import pytest

from aim import errors
from aim._transport import client as client_module
from aim._transport import stream as stream_module
from aim._transport.sender import Sender, SeriesRecords
from aim._transport.stream import TrackStream
from aimproto import contract
from aimproto.v1 import tracking_pb2
from tests.transport.helpers import FakeRpcError, request

RECORD = struct.Struct("<qddd")


DISK_FULL = FakeRpcError(
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    "cannot write the store: No space left on device",
    ((contract.STORE_ERROR_KEY, "ENOSPC"),),
)


class FakeDaemon:
    """What TrackStream needs of a Client, answering Track streams like the daemon: an ack per
    batch applied in seq order, replays of applied batches acknowledged and skipped. fail(seq)
    returns an exception to end the stream with instead of applying a batch (None: apply)."""

    def __init__(self) -> None:
        self.client_id = "fake"
        self.generation = 0
        self.max_message_bytes = 4 << 20
        self.applied: list[int] = []
        self.fail: Callable[[int], BaseException | None] = lambda seq: None
        self.refuse: dict[int, list[tracking_pb2.RefusedPart]] = {}
        self.open_fails: list[BaseException] = []  # raised by the next track_stream() calls
        self._lock = threading.Lock()

    def track_stream(self, requests: Iterator[tracking_pb2.TrackRequest]) -> Iterator[tracking_pb2.TrackAck]:
        with self._lock:
            if self.open_fails:
                raise self.open_fails.pop(0)
        return self._serve(requests)

    def _serve(self, requests: Iterator[tracking_pb2.TrackRequest]) -> Iterator[tracking_pb2.TrackAck]:
        assert next(requests).WhichOneof("kind") == "hello"
        yield tracking_pb2.TrackAck(durable_seq=self.durable)
        for sent in requests:
            seq = sent.batch.seq
            if seq > self.durable:
                error = self.fail(seq)
                if error is not None:
                    raise error
                assert seq == self.durable + 1, f"batch {seq} reached the daemon before {self.durable + 1}"
                self.applied.append(seq)
            yield tracking_pb2.TrackAck(durable_seq=self.durable, refused=self.refuse.get(seq, ()))

    @property
    def durable(self) -> int:
        return self.applied[-1] if self.applied else 0

    def reconnect(self, generation: int) -> None:
        self.generation += 1


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.fixture
def daemon() -> Iterator[FakeDaemon]:
    fake = FakeDaemon()
    yield fake
    fake.fail = lambda seq: None  # let the streams of the test drain and end
    fake.open_fails.clear()


def stopped(stream: TrackStream) -> None:
    stream.wait(stream.last_seq, timeout=30)
    stream.stop()
    stream.thread.join(30)
    assert not stream.thread.is_alive()


def test_the_streamer_survives_an_exception_reports_it_and_delivers(daemon):
    daemon.open_fails.append(RuntimeError("injected"))
    stream = TrackStream(daemon, lambda shas: None)  # type: ignore[arg-type]  # a fake daemon stands in for the Client
    stream.queue(request(3))
    stream.wait(1, timeout=30)  # replayed after the failure
    assert daemon.applied == [1]
    assert stream.thread.is_alive()
    assert stream.take_rejections() == ["the sender's stream failed (RuntimeError: injected)"]
    stopped(stream)


class FlakyBuffer:
    """A track() buffer whose first drain raises (a bug on the batcher thread)."""

    def __init__(self) -> None:
        self.limit = 4096
        self.calls = 0
        self.pending = [request(2).batch.series[0]]

    def drain(self, limit: int):
        self.calls += 1
        if self.calls == 1:
            raise ValueError("injected")
        if not self.pending:
            return None
        proto = self.pending.pop()
        data = b"".join(RECORD.pack(step, 1.0, float("nan"), 0.0) for step in range(proto.count))
        return SeriesRecords("run", "x", "{}", bytearray(data), proto.count, is_float=True)


def test_the_batcher_survives_an_exception_and_the_next_track_is_told(daemon):
    sender = Sender(daemon)  # type: ignore[arg-type]  # a fake daemon stands in for the Client
    buffer = FlakyBuffer()
    sender.register(buffer)
    sender.wake()
    wait_for(lambda: buffer.limit == 0)  # the alarm: the next track() takes its slow path
    assert sender.take_rejections() == [
        "batching tracked points failed (ValueError: injected); the points being batched were lost"
    ]
    sender.wait(sender.flush(), timeout=30)  # the batcher lives on: the next drain is delivered
    assert daemon.applied == [1]
    assert sender._batcher.is_alive()
    sender.shutdown(timeout=30)


def test_a_failed_write_is_replayed_first_and_wait_gives_up_naming_the_cause(daemon, monkeypatch):
    monkeypatch.setattr(stream_module, "RETRY_TIMEOUT_S", 0.5)
    disk_full = True
    daemon.fail = lambda seq: DISK_FULL if disk_full and seq >= 2 else None
    stream = TrackStream(daemon, lambda shas: None)  # type: ignore[arg-type]  # a fake daemon stands in for the Client
    for _ in range(3):
        stream.queue(request(3))
    wait_for(lambda: "ENOSPC" in stream.failure)  # batch 2 failed (1 was applied)
    with pytest.raises(errors.TrackingError) as raised:
        stream.wait(3, timeout=None)
    message = str(raised.value)
    assert "2 batch(es) (6 points" in message and "cannot write its store (ENOSPC)" in message
    assert daemon.applied == [1]  # batch 3 never went in before the failed batch 2
    monkeypatch.setattr(stream_module, "RETRY_TIMEOUT_S", 30.0)
    disk_full = False  # space returns: the kept batches land, in order, once each
    stream.wait(3, timeout=None)
    assert daemon.applied == [1, 2, 3]
    assert stream.failure == ""
    stopped(stream)


def test_queue_past_the_bound_drops_and_reports_instead_of_blocking(daemon, monkeypatch):
    monkeypatch.setattr(stream_module, "RETRY_TIMEOUT_S", 0.3)
    monkeypatch.setattr(stream_module, "MAX_UNACKED_BYTES", 1)
    daemon.fail = lambda seq: FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection refused")
    reported = threading.Event()
    stream = TrackStream(daemon, lambda shas: None, reported.set)  # type: ignore[arg-type]  # a fake daemon stands in for the Client
    stream.queue(request(3))  # kept (within the bound)
    wait_for(lambda: stream.failure)  # the daemon turned it away
    stream.queue(request(5))  # past the bound: dropped once the daemon said nothing for 0.3 s
    assert reported.is_set()
    (message,) = stream.take_rejections()
    assert message.startswith("batch 2 (5 points of 'loss') dropped:")
    assert "UNAVAILABLE: connection refused" in message
    daemon.fail = lambda seq: None
    stream.wait(1, timeout=30)  # the kept batch still lands
    assert daemon.applied == [1]
    stopped(stream)


def test_the_exit_deadline_bounds_every_wait(daemon, monkeypatch):
    monkeypatch.setattr(stream_module, "MAX_UNACKED_BYTES", 1)
    daemon.fail = lambda seq: FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection refused")
    stream = TrackStream(daemon, lambda shas: None)  # type: ignore[arg-type]  # a fake daemon stands in for the Client
    stream.queue(request(3))
    wait_for(lambda: stream.failure)
    stream.deadline = time.monotonic() + 0.2  # what Sender.shutdown sets
    stream.queue(request(3))  # returns at the deadline, dropping the batch
    with pytest.raises(errors.TrackingError, match=r"1 batch\(es\) \(3 points.*UNAVAILABLE"):
        stream.wait(1, timeout=None)
    assert len(stream.take_rejections()) == 1
    daemon.fail = lambda seq: None
    stream.deadline = None
    stopped(stream)


def test_refused_parts_are_reported_by_sequence_and_reason(daemon):
    daemon.refuse[1] = [
        tracking_pb2.RefusedPart(
            run_hash="run", name="bad", context="{}", reason="a record's meta is over 65536 bytes", code=3
        ),
        tracking_pb2.RefusedPart(
            blob_sha256=b"\x01" * 32, reason="its bytes do not have that SHA-256", code=3
        ),
    ]
    forgotten: list[bytes] = []
    stream = TrackStream(daemon, forgotten.extend)  # type: ignore[arg-type]  # a fake daemon stands in for the Client
    stream.queue(request(3))
    stream.wait(1, timeout=30)  # the report is made before the ack wakes a waiter
    assert stream.take_rejections() == [
        "the daemon refused the points of sequence 'bad' {} of run run (INVALID_ARGUMENT): "
        "a record's meta is over 65536 bytes",
        f"the daemon refused blob {'01' * 32} (INVALID_ARGUMENT): its bytes do not have that SHA-256",
    ]
    assert forgotten == [b"\x01" * 32]  # sent again the next time it is tracked
    stopped(stream)


def test_calls_retry_while_the_daemon_is_unreachable_then_name_the_cause(monkeypatch):
    monkeypatch.setattr(client_module, "RETRY_TIMEOUT_S", 0.3)
    client = client_module.Client.__new__(client_module.Client)
    client.target, client.generation = "repo", 0
    attempts = []

    def reconnect(generation: int) -> None:
        attempts.append(generation)
        raise errors.DaemonUnavailable("could not start aimd for repo (`aimd start` exited with status 1)")

    client.reconnect = reconnect  # type: ignore[method-assign]  # the test replaces the method

    def call() -> None:
        raise errors.DaemonUnavailable("the daemon did not answer: connection refused")

    with pytest.raises(errors.DaemonUnavailable) as raised:
        client._retrying(call, None)
    assert str(raised.value) == (
        "gave up reaching the daemon of repo after retrying for 0 s (AIM_DAEMON_RETRY_TIMEOUT): "
        "could not start aimd for repo (`aimd start` exited with status 1)"
    )
    assert len(attempts) > 1
    answers = iter([errors.DaemonUnavailable("restarting"), "ok"])

    def flaky() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client.reconnect = lambda generation: None  # type: ignore[method-assign]  # the test replaces the method
    assert client._retrying(flaky, None) == "ok"
