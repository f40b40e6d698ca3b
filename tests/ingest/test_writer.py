"""The single writer: urgent mutations overtake queued batches; each lane keeps its order."""

from __future__ import annotations

import threading

import pytest

from aimd.ingest.writer import Writer
from aimd.storage.store import Store


@pytest.fixture
def writer(tmp_path):
    store = Store(tmp_path / "db")
    writer = Writer(store)
    yield writer
    writer.close()
    store.close()


def test_urgent_mutations_run_before_queued_bulk_ones(writer):
    """1. hold the writer busy; 2. queue 5 bulk mutations, then 2 urgent ones; 3. release: the
    urgent ones are applied first, and each lane in submission order."""
    busy, release, order = threading.Event(), threading.Event(), []

    def hold(tx):
        busy.set()
        release.wait(10)

    first = writer.submit(hold)
    assert busy.wait(10)
    futures = [writer.submit(lambda tx, i=i: order.append(f"bulk{i}"), bulk=True) for i in range(5)]
    futures += [writer.submit(lambda tx, i=i: order.append(f"urgent{i}")) for i in range(2)]
    release.set()
    for future in [first, *futures]:
        future.result(10)
    assert order == ["urgent0", "urgent1", "bulk0", "bulk1", "bulk2", "bulk3", "bulk4"]


def test_close_applies_everything_queued(writer):
    busy, release, done = threading.Event(), threading.Event(), []
    writer.submit(lambda tx: (busy.set(), release.wait(10)))
    assert busy.wait(10)
    futures = [writer.submit(lambda tx, i=i: done.append(i), bulk=i % 2 == 0) for i in range(6)]
    release.set()
    writer.close()
    assert sorted(done) == list(range(6)) and all(f.done() for f in futures)
    assert "shutting down" in str(writer.submit(lambda tx: None).exception(1))
