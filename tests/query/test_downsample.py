"""Min/max downsampling in the daemon: the reduction itself, and through a query end to end."""

from __future__ import annotations

import numpy as np
import pytest

from aim import Repo, Run
from aim._model.query import QueryReportMode
from aim.errors import RequestRejected
from aimd.query.downsample import min_max
from aimd.storage.blocks import Columns


def columns(values: np.ndarray, start: int = 0) -> Columns:
    steps = np.arange(start, start + len(values), dtype=np.int64)
    return Columns(steps, values, np.full(len(values), np.nan), steps.astype(float) * 0.5)


def blocks_of(values: np.ndarray, size: int) -> list[Columns]:
    return [columns(values[i : i + size], i) for i in range(0, len(values), size)]


def reduced(values: np.ndarray, budget: int, block: int = 1000) -> Columns:
    return Columns.concat(list(min_max(iter(blocks_of(values, block)), len(values), budget)))


@pytest.mark.parametrize("block", [7, 1000, 100_000])
def test_peaks_ends_and_budget_survive(block):
    rng = np.random.default_rng(1)
    values = rng.normal(size=100_000)
    values[31_337], values[77_777] = 50.0, -50.0  # one spike up, one down
    out = reduced(values, 500, block)
    assert len(out) <= 500
    assert np.all(np.diff(out.steps) > 0)  # step-ordered, no point twice
    assert out.steps[0] == 0 and out.steps[-1] == 99_999
    assert {31_337, 77_777} <= set(out.steps.tolist())
    np.testing.assert_array_equal(out.values, values[out.steps])  # real points, not averages
    np.testing.assert_array_equal(out.timestamps, out.steps * 0.5)  # every column taken together


def test_every_bucket_keeps_its_min_and_max():
    values = np.sin(np.arange(10_000) / 50.0) * np.arange(10_000)
    out = reduced(values, 202)  # 100 buckets of 100 points
    for bucket in range(100):
        part = values[bucket * 100 : (bucket + 1) * 100]
        kept = out.values[(out.steps >= bucket * 100) & (out.steps < (bucket + 1) * 100)]
        assert kept.max() == part.max() and kept.min() == part.min()


def test_short_sequence_passes_whole_and_nan_is_no_peak():
    values = np.arange(10.0)
    assert len(reduced(values, 10)) == 10
    values = np.ones(1000)
    values[::3] = np.nan
    values[500] = 9.0
    out = reduced(values, 20)
    assert 500 in out.steps.tolist()


def test_ints_keep_their_dtype():
    out = reduced(np.arange(1000, dtype=np.int64) % 17, 50)
    assert out.values.dtype == np.int64 and out.values.max() == 16


def test_query_returns_the_reduced_series_with_peaks(repo):
    run = Run(repo=str(repo))
    values = np.cos(np.arange(20_000) / 300.0)
    values[12_345] = 99.0
    for step, value in enumerate(values.tolist()):
        run.track(value, name="loss", step=step)
    run.track(1.0, name="short", step=0)
    run.close()
    collection = Repo(str(repo)).query_metrics("", report_mode=QueryReportMode.DISABLED)
    metrics = {m.name: m for m in collection.iter(max_points=300)}
    steps, got = metrics["loss"].values.sparse_numpy()
    assert len(steps) <= 300 and steps[0] == 0 and steps[-1] == 19_999
    assert got[steps.tolist().index(12_345)] == 99.0
    assert got.min() == values.min()
    assert len(metrics["loss"].timestamps.values_numpy()) == len(steps)  # times of the kept points
    assert len(metrics["short"].values.sparse_numpy()[0]) == 1
    whole = {m.name: m for m in collection.iter()}
    assert len(whole["loss"].values.sparse_numpy()[0]) == 20_000


def test_query_refuses_a_budget_below_four(repo):
    with Run(repo=str(repo)) as run:
        run.track(1.0, name="loss")
    collection = Repo(str(repo)).query_metrics("", report_mode=QueryReportMode.DISABLED)
    with pytest.raises(RequestRejected, match="max_points"):
        list(collection.iter(max_points=2))
