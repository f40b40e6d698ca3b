"""TrackStream alone, against a fake daemon: numbering, acknowledgement, replay after a broken
stream, back-pressure, and the daemon's refusals."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc
import pytest

from aim import errors
from aim._transport import stream as stream_module
from aim._transport.stream import TrackStream
from tests.transport.helpers import DEADLINE_S, FakeClient, Session, request, wait_parked

SHA_A, SHA_B = b"a" * 32, b"b" * 32


@pytest.fixture
def fake() -> FakeClient:
    return FakeClient()


@pytest.fixture
def refused() -> list[bytes]:
    """The SHA-256s the stream handed back as not stored (on_refused)."""
    return []


@pytest.fixture
def stream(fake: FakeClient, refused: list[bytes]) -> Iterator[TrackStream]:
    stream = TrackStream(fake, refused.extend)
    yield stream
    stream.stop()
    fake.sessions[-1].ack(stream.last_seq)  # let the streamer end: nothing left to send
    stream.thread.join(DEADLINE_S)


def send(stream: TrackStream, session: Session, count: int) -> list[int]:
    """Queue count batches; the seqs the session has received once it has them all."""
    for _ in range(count):
        stream.queue(request())
    return session.wait_for_seqs(count)


def test_batches_follow_a_hello_numbered_from_one_in_order(fake, stream):
    session = fake.session(0)
    assert send(stream, session, 3) == [1, 2, 3]
    assert session.received[0].hello.client_id == fake.client_id
    assert stream.last_seq == 3


def test_an_ack_releases_every_batch_up_to_its_seq_and_no_further(fake, stream):
    session = fake.session(0)
    send(stream, session, 3)
    session.ack(2)
    stream.wait(2, timeout=DEADLINE_S)  # returns once 1 and 2 are acknowledged
    with pytest.raises(errors.TrackingError, match=r"did not acknowledge 1 batch\(es\)"):
        stream.wait(3, timeout=0)  # 3 still waits
    session.ack(3)
    stream.wait(3, timeout=DEADLINE_S)


def test_a_broken_stream_is_reopened_and_exactly_the_unacknowledged_batches_replayed_in_order(fake, stream):
    first = fake.session(0)
    send(stream, first, 5)
    first.ack(2)
    first.fail(grpc.StatusCode.UNAVAILABLE, "the daemon went away")
    second = fake.session(1)
    assert second.wait_for_seqs(3) == [3, 4, 5]
    assert second.received[0].hello.client_id == fake.client_id  # a new stream starts with Hello
    assert second.received[1:] == first.received[3:]  # the same messages, not re-encoded
    assert fake.reconnects == 1
    # the daemon had stored 3 and 4 before it died: its answer to Hello retires them
    second.ack(4)
    stream.wait(4, timeout=DEADLINE_S)
    with pytest.raises(errors.TrackingError, match=r"1 batch\(es\)"):
        stream.wait(5, timeout=0)


def test_a_batch_queued_while_the_stream_is_down_goes_after_the_replay(fake, stream):
    first = fake.session(0)
    stream.queue(request())
    first.wait_for_seqs(1)
    first.fail(grpc.StatusCode.UNAVAILABLE, "the daemon went away")
    second = fake.session(1)
    stream.queue(request())
    assert second.wait_for_seqs(2) == [1, 2]


def test_back_pressure_blocks_queue_past_the_bound_until_an_ack(fake, stream, monkeypatch):
    one_batch = request()
    one_batch.batch.seq = 1
    monkeypatch.setattr(stream_module, "MAX_UNACKED_BYTES", one_batch.ByteSize())  # past one batch
    session = fake.session(0)
    queued = threading.Event()

    def produce() -> None:
        for _ in range(3):
            stream.queue(request())
        queued.set()

    producer = threading.Thread(target=produce, name="producer", daemon=True)
    producer.start()
    wait_parked(producer, "queue", stream_module)
    assert session.wait_for_seqs(2) == [1, 2]  # two batches exceed the bound: the third waits
    assert not queued.is_set()
    session.ack(1)
    assert queued.wait(DEADLINE_S)
    assert session.wait_for_seqs(3) == [1, 2, 3]
    producer.join(DEADLINE_S)


def test_a_refused_batch_is_dropped_and_reported_and_the_rest_replayed(fake, stream, refused):
    first = fake.session(0)
    stream.queue(request())
    stream.queue(request(), (SHA_A,))
    stream.queue(request(), (SHA_B,))
    first.wait_for_seqs(3)
    first.fail(grpc.StatusCode.INVALID_ARGUMENT, "step -1 of 'loss' is negative", failed_seq=2)
    second = fake.session(1)
    assert second.wait_for_seqs(2) == [1, 3]
    assert refused == [SHA_A]  # its blob must go again the next time it is tracked
    assert stream.take_rejections() == ["step -1 of 'loss' is negative"]
    assert stream.take_rejections() == []
    assert fake.reconnects == 0  # the daemon is up: the rest goes at once


def test_a_refused_token_drops_every_unacknowledged_batch(fake, stream, refused):
    first = fake.session(0)
    stream.queue(request(), (SHA_A,))
    stream.queue(request(), (SHA_B,))
    first.wait_for_seqs(2)
    first.fail(grpc.StatusCode.UNAUTHENTICATED, "the token is not valid")
    stream.wait(2, timeout=DEADLINE_S)  # nothing waits for an ack any more: replaying cannot help
    assert refused == [SHA_A, SHA_B]
    assert stream.take_rejections() == ["the token is not valid"]


def test_stop_half_closes_the_stream_once_everything_is_acknowledged(fake, stream):
    session = fake.session(0)
    stream.queue(request())
    session.wait_for_seqs(1)
    stream.stop()
    assert not session.half_closed
    session.ack(1)
    stream.thread.join(DEADLINE_S)
    assert session.half_closed and not stream.thread.is_alive()
