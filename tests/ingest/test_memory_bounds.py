"""The writer's cached states are bounded in bytes: driven through far more sequence tails than
its budget, it keeps the budget, evicts the least recently used tails, loads them again from the
store when touched (every point lands exactly once, in order), and drops a closed run's state."""

from __future__ import annotations

import numpy as np
import pytest

from aimd.ingest import batches, points, runs
from aimd.ingest.claims import CLAIM_BYTES, BlobClaims
from aimd.ingest.writer import Writer
from aimd.storage.blocks import BLOCK_POINTS, DTYPE_FLOAT, Columns
from aimd.storage.lru import BytesLRU
from aimd.storage.reader import Reader
from aimd.storage.store import Store

CLIENT = "client-1"
RUNS = 12
SEQUENCES = 4
CHUNK = 500  # points per batch and sequence: the tail of each sequence holds up to BLOCK_POINTS
BUDGET = 600_000  # bytes: about 20 tails of 500..4095 points, far fewer than RUNS * SEQUENCES


def run_hash(i: int) -> str:
    return f"{i:08x}aabbccdd11223344"


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "db")
    yield store
    store.close()


def _chunk(start: int, n: int) -> Columns:
    steps = np.arange(start, start + n, dtype=np.int64)
    return Columns(steps, steps * 0.5, np.full(n, np.nan), steps.astype(np.float64))


def _series(i: int, seq: int, start: int) -> points.SeriesPoints:
    return points.SeriesPoints(run_hash(i), f"m{seq}", "{}", DTYPE_FLOAT, _chunk(start, CHUNK))


def _create(writer: Writer, i: int) -> None:
    writer.submit(lambda tx: runs.create(tx, run_hash(i), "", CLIENT, writer.attachments)).result(10)


def test_tails_beyond_the_byte_budget_are_evicted_and_reloaded_exactly_once(store):
    writer = Writer(store, state_bytes=BUDGET)
    try:
        for i in range(RUNS):
            writer.submit(
                lambda tx, i=i: runs.create(tx, run_hash(i), "", CLIENT, writer.attachments)
            ).result(10)
        seq = 0
        peak = 0
        rounds = 2 * BLOCK_POINTS // CHUNK + 3  # each sequence's tail is re-cut twice
        for r in range(rounds):
            for i in range(RUNS):  # round robin: every tail is evicted before it is touched again
                seq += 1
                series = [_series(i, s, r * CHUNK) for s in range(SEQUENCES)]
                writer.submit(
                    lambda tx, n=seq, ss=series: batches.apply_batch(tx, CLIENT, n, ss, writer.attachments),
                    bulk=True,
                ).result(10)
                stats = writer.cache_stats()[0]
                peak = max(peak, stats.bytes)
                assert stats.bytes <= BUDGET
        stats = writer.cache_stats()[0]
        assert peak > BUDGET // 2  # the cache was used up to its bound...
        assert stats.misses > RUNS * SEQUENCES  # ...and tails were loaded again after evictions
        # a replayed batch (the client resends after an ack it missed) lands nowhere
        writer.submit(
            lambda tx: batches.apply_batch(tx, CLIENT, 1, [_series(0, 0, 0)], writer.attachments), bulk=True
        ).result(10)
    finally:
        writer.close()
    reader = Reader(store)
    expected = np.arange(rounds * CHUNK)
    for i in range(RUNS):
        for s in range(SEQUENCES):
            meta, cols = reader.points(run_hash(i), f"m{s}", "{}")
            assert cols.steps.tolist() == expected.tolist()  # every point once, in order
            assert cols.values.tolist() == (expected * 0.5).tolist()
            assert meta.count == len(expected) and meta.last_step == expected[-1]


def test_a_closed_runs_cached_state_goes_when_it_closes(store):
    writer = Writer(store, state_bytes=10 * 2**20)
    try:
        for i in range(2):
            writer.submit(
                lambda tx, i=i: runs.create(tx, run_hash(i), "", CLIENT, writer.attachments)
            ).result(10)
        series = [_series(i, s, 0) for i in range(2) for s in range(SEQUENCES)]
        writer.submit(lambda tx: batches.apply_batch(tx, CLIENT, 1, series, writer.attachments)).result(10)
        before = writer.cache_stats()[0]
        assert before.entries == 2 * SEQUENCES + 1  # the tails and the client's seq
        writer.submit(
            lambda tx: runs.detach(tx, run_hash(0), CLIENT, writer.attachments, finished=True)
        ).result(10)
        after = writer.cache_stats()[0]
        assert after.entries == SEQUENCES + 1
        assert after.bytes < before.bytes
        # the run comes back: its tail is loaded from the store and the next points follow on
        more = [_series(0, 0, CHUNK)]
        writer.submit(lambda tx: batches.apply_batch(tx, CLIENT, 2, more, writer.attachments)).result(10)
        writer.trim()  # an idle daemon drops every state; the client's seq and tails reload
        assert writer.cache_stats()[0].entries == 0
        replayed = [_series(1, 0, 0)]  # seq 2 again: applied before, so it lands nowhere
        writer.submit(lambda tx: batches.apply_batch(tx, CLIENT, 2, replayed, writer.attachments)).result(10)
        more = [_series(1, 0, CHUNK)]
        writer.submit(lambda tx: batches.apply_batch(tx, CLIENT, 3, more, writer.attachments)).result(10)
    finally:
        writer.close()
    for i in range(2):
        assert Reader(store).points(run_hash(i), "m0", "{}")[1].steps.tolist() == list(range(2 * CHUNK))


def test_the_lru_keeps_its_bound_and_forgets_a_group():
    lru = BytesLRU(100, "test")
    for key in range(5):
        lru.put(key, str(key), 30, group="even" if key % 2 == 0 else "odd")
    assert lru.bytes == 90 and len(lru) == 3  # 0 and 1 went first
    assert lru.get(0) is None and lru.get(2) == "2"
    lru.put(5, "5", 30)  # 3 is now the least recently used
    assert lru.get(3) is None and lru.get(2) == "2"
    lru.drop_group("even")
    assert len(lru) == 1 and lru.bytes == 30 and lru.get(5) == "5"
    lru.put("huge", "x", 101)  # larger than the whole cache: not kept
    assert lru.get("huge") is None
    stats = lru.stats()
    assert (stats.hits, stats.misses) == (3, 3) and stats.hit_rate == 0.5


def test_claims_past_their_budget_become_claim_everything():
    claims = BlobClaims(max_bytes=50 * CLAIM_BYTES)
    claims.note("small", [bytes([i]) * 32 for i in range(10)])
    claims.note("big", [i.to_bytes(32, "big") for i in range(1000, 1045)])
    assert claims.stats().bytes <= 50 * CLAIM_BYTES
    assert claims.covers(b"\xff" * 32)  # "big" claims every blob now
    claims.release("big")
    assert not claims.covers(b"\xff" * 32) and claims.covers(b"\x01" * 32)
    assert claims.stats().entries == 10
