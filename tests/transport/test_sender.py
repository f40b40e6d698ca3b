"""A tracking Run and its Sender against a fake daemon: how track() points become numbered
batches, how back-pressure reaches track(), and how a refused batch reaches close()."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest

from aim import Run, errors
from aim._model import connection as _connection
from aim._tracking import buffers as _tracking
from aim._transport import sender as sender_module
from aim._transport import stream as stream_module
from aim._transport.channel import cached, pop_cached
from aim._transport.sender import Sender
from tests.transport.helpers import DEADLINE_S, FakeClient, wait_parked


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClient]:
    """This process's client and sender for tmp_path, talking to a fake daemon. The batcher
    drains only when asked (a full buffer or a flush), so the batches a test sees are its own."""
    monkeypatch.setattr(sender_module, "FLUSH_INTERVAL_S", 3600.0)
    client = FakeClient()
    sender = Sender(client)  # type: ignore[arg-type]  # a fake daemon stands in for the Client
    key = _connection.target_of(str(tmp_path)).key
    cached(f"client:{key}", lambda: client)
    cached(f"sender:{key}", lambda: sender)
    yield client
    pop_cached(f"client:{key}")
    pop_cached(f"sender:{key}")
    sender.stream.stop()
    client.sessions[-1].ack(sender.stream.last_seq)
    sender._wake.set()
    sender.stream.thread.join(DEADLINE_S)


def tracking_run(path: Path) -> Run:
    return Run(repo=str(path), system_tracking_interval=None, capture_terminal_logs=False)


def steps_of(session) -> list[list[int]]:
    """The steps of each batch's series, per batch."""
    return [
        [int(s) for chunk in r.batch.series for s in np.frombuffer(chunk.steps, "<i8")]
        for r in session.received
        if r.HasField("batch")
    ]


def test_flush_cuts_tracked_points_into_numbered_batches_of_at_most_max_points(fake, tmp_path, monkeypatch):
    monkeypatch.setattr(sender_module, "MAX_BATCH_POINTS", 4)
    run = tracking_run(tmp_path)
    for step in range(10):
        run.track(float(step), name="loss", step=step)
    session = fake.session(0)
    sender = run._tracker.sender
    assert sender.flush() == 3
    assert session.wait_for_seqs(3) == [1, 2, 3]
    assert steps_of(session) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    session.ack(3)
    run.close()
    assert sender.take_rejections() == []


def test_back_pressure_blocks_track_until_the_daemon_acknowledges(fake, tmp_path, monkeypatch):
    # Every point fills its buffer and is drained by track() itself; one unacknowledged batch
    # is past the bound, so the second track() waits for an ack.
    monkeypatch.setattr(_tracking, "FLUSH_POINTS", 1)
    monkeypatch.setattr(_tracking, "MAX_BUFFERED_POINTS", 1)
    monkeypatch.setattr(stream_module, "MAX_UNACKED_BYTES", 0)
    run = tracking_run(tmp_path)
    session = fake.session(0)
    tracked = threading.Event()

    def train() -> None:
        run.track(1.0, name="loss")
        run.track(2.0, name="loss")
        tracked.set()

    trainer = threading.Thread(target=train, name="trainer", daemon=True)
    trainer.start()
    wait_parked(trainer, "queue", stream_module)  # inside track(): the trainer's only call
    assert session.wait_for_seqs(1) == [1]
    assert not tracked.is_set()
    session.ack(1)
    assert tracked.wait(DEADLINE_S)
    assert session.wait_for_seqs(2) == [1, 2]
    assert steps_of(session) == [[0], [1]]
    session.ack(2)
    run.close()


def test_a_refused_batch_makes_close_raise_tracking_error(fake, tmp_path):
    run = tracking_run(tmp_path)
    run.track(1.0, name="loss", step=0)
    session = fake.session(0)
    raised: list[BaseException] = []

    def close() -> None:
        try:
            run.close()
        except BaseException as exc:
            raised.append(exc)

    closer = threading.Thread(target=close, name="closer", daemon=True)
    closer.start()
    session.wait_for_seqs(1)
    session.fail(grpc.StatusCode.INVALID_ARGUMENT, "step 0 of 'loss' is refused", failed_seq=1)
    closer.join(DEADLINE_S)
    assert not closer.is_alive()
    assert len(raised) == 1 and type(raised[0]) is errors.TrackingError
    assert "step 0 of 'loss' is refused" in str(raised[0])
