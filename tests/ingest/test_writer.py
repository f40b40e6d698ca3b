"""The single writer: urgent mutations overtake queued batches; each lane keeps its order."""

from __future__ import annotations

import threading

import pytest

from aimd.errors import StoreFailing
from aimd.ingest.writer import Origin, Writer
from aimd.storage.store import Store, StoreWriteError


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


class FullDisk(Store):
    """A store whose disk refuses writes while `full` is set (the stand-in for ENOSPC)."""

    full = False
    sticky = False  # LevelDB keeping its error after space returned, until reopened
    reopened = 0

    def write(self, puts, deletes):
        if self.full or self.sticky:
            raise StoreWriteError(self.path, f"IO error: {self.path}/000003.log: No space left on device")
        super().write(puts, deletes)

    def probe(self):
        self.write({}, set())

    def reopen(self):
        super().reopen()
        self.reopened += 1
        self.sticky = False


def test_a_failed_write_fails_the_later_batches_of_its_stream_until_it_is_replayed(tmp_path, monkeypatch):
    """Exactly-once: once a stream's batch was not written, none of its later batches is (they
    would move the client's durable seq past the failed one); other streams go on once the disk
    takes writes again."""
    monkeypatch.setattr("aimd.ingest.writer.RECOVER_EVERY_S", 0.0)
    store = FullDisk(tmp_path / "db")
    writer = Writer(store)
    try:
        stream, other = Origin(), Origin()
        store.full = True
        failed = writer.submit(lambda tx: tx.put(b"k1", b"1"), bulk=True, origin=stream).exception(10)
        assert isinstance(failed, StoreFailing) and failed.errno_name == "ENOSPC"
        assert "No space left on device" in str(failed) and writer.failure is failed
        store.full = False  # space returns
        later = writer.submit(lambda tx: tx.put(b"k2", b"2"), bulk=True, origin=stream)
        fresh = writer.submit(lambda tx: tx.put(b"k3", b"3"), bulk=True, origin=other)
        assert isinstance(later.exception(10), StoreFailing)
        fresh.result(10)
        assert writer.failure is None
        assert (store.get(b"k1"), store.get(b"k2"), store.get(b"k3")) == (None, None, b"3")
    finally:
        writer.close()
        store.close()


def test_while_the_disk_refuses_writes_nothing_is_tried_between_probes(tmp_path):
    store = FullDisk(tmp_path / "db")
    writer = Writer(store)
    try:
        store.full = True
        writer.submit(lambda tx: tx.put(b"k1", b"1")).exception(10)
        store.full = False  # but the next probe is RECOVER_EVERY_S away: fail at once
        assert isinstance(writer.submit(lambda tx: tx.put(b"k2", b"2")).exception(10), StoreFailing)
        assert store.get(b"k2") is None
    finally:
        writer.close()
        store.close()


def test_an_error_kept_after_space_returned_is_cleared_by_reopening_the_store(tmp_path, monkeypatch):
    monkeypatch.setattr("aimd.ingest.writer.RECOVER_EVERY_S", 0.0)
    store = FullDisk(tmp_path / "db")
    writer = Writer(store)
    try:
        store.sticky = True
        writer.submit(lambda tx: tx.put(b"k1", b"1")).exception(10)
        writer.submit(lambda tx: tx.put(b"k2", b"2")).result(10)  # the disk has room: reopened
        assert store.reopened == 1 and store.get(b"k2") == b"2" and writer.failure is None
    finally:
        writer.close()
        store.close()
