"""Query results through a real daemon: collections of metrics and of runs, their iteration run by
run (newest run first), what a run's collection holds, pagination, progress tuples, dataframes."""

from __future__ import annotations

import pytest

from aim import Metric, Repo, Run, Sequence
from aim._model.collections import (
    QueryRunSequenceCollection,
    QuerySequenceCollection,
    SingleRunSequenceCollection,
)
from aim.sdk.types import QueryReportMode

PARAMS = [(0.001, 32), (0.0007, 64), (0.005, 16)]


@pytest.fixture(scope="module")
def runs(shared) -> list[Run]:
    """Three closed runs, oldest first, with hparams lr and batch_size (as in Aim's search docs);
    each tracks 'loss' at steps 0..9 in the contexts train and test; the first also 'acc'."""
    made = []
    for i, (lr, batch_size) in enumerate(PARAMS):
        run = Run(repo=str(shared), system_tracking_interval=None, experiment=f"exp{i}")
        run["hparams"] = {"lr": lr, "batch_size": batch_size}
        for step in range(10):
            run.track(i * 100 + step, name="loss", step=step, context={"subset": "train"})
            run.track(-step * 0.5, name="loss", step=step, context={"subset": "test"})
        if i == 0:
            run.track(0.75, name="acc", step=0)
        run.close()
        made.append(run)
    return made


@pytest.fixture(scope="module")
def repo(shared, runs) -> Repo:
    return Repo(str(shared))


def hashes(runs: list[Run]) -> list[str]:
    return [run.hash for run in runs]


def test_query_metrics_yields_the_matching_metrics_newest_run_first(repo, runs):
    found = list(repo.query_metrics("metric.name == 'loss' and metric.context.subset == 'train'"))
    assert all(isinstance(m, Metric) for m in found)
    assert [m.run.hash for m in found] == hashes(runs[::-1])
    assert {(m.name, m.context["subset"]) for m in found} == {("loss", "train")}
    newest = found[0]
    assert newest._data is not None  # the points came in the query's stream
    assert (len(newest), newest.first_step(), newest.last_step()) == (10, 0, 9)
    assert newest.values.sparse_list() == (list(range(10)), [200 + s for s in range(10)])


def test_metadata_only_iteration_reads_points_on_first_use(repo, runs):
    query = "metric.name == 'loss' and metric.context.subset == 'train'"
    newest = next(iter(repo.query_metrics(query).iter(values=False)))
    assert newest._data is None
    assert (len(newest), newest.first_step(), newest.last_step()) == (10, 0, 9)
    assert newest.values.sparse_list() == (list(range(10)), [200 + s for s in range(10)])


def test_iter_runs_groups_the_metrics_by_run(repo, runs):
    """As Aim's docs: for run_metrics in repo.query_metrics(q).iter_runs(): for metric in run_metrics."""
    seen = []
    for run_metrics in repo.query_metrics("metric.name == 'loss'").iter_runs():
        assert isinstance(run_metrics, SingleRunSequenceCollection)
        contexts = sorted(m.context["subset"] for m in run_metrics)
        assert contexts == ["test", "train"]
        for metric in run_metrics:
            assert metric.run == run_metrics.run
            assert metric.run[...]["hparams"]["lr"] in {lr for lr, _ in PARAMS}
            steps, values = metric.values.sparse_numpy()
            assert steps.tolist() == list(range(10))
        seen.append(run_metrics.run.hash)
    assert seen == hashes(runs[::-1])


def test_a_query_may_filter_on_run_params(repo, runs):
    found = repo.query_metrics("metric.name == 'loss' and run.hparams.lr >= 0.001")
    assert isinstance(found, QuerySequenceCollection)
    assert [r.run.hash for r in found.iter_runs()] == [runs[2].hash, runs[0].hash]
    assert len(list(found)) == 4


def test_query_runs_yields_runs_newest_first_and_all_their_sequences(repo, runs):
    found = repo.query_runs("run.hparams.batch_size > 20")
    assert isinstance(found, QueryRunSequenceCollection)
    assert [r.run.hash for r in found.iter_runs()] == [runs[1].hash, runs[0].hash]
    sequences = list(found)
    assert all(type(s) is Metric for s in sequences)  # each read with the class of its values
    assert sorted((s.run.hash == runs[0].hash, s.name) for s in sequences) == [
        (False, "loss"),
        (False, "loss"),
        (True, "acc"),
        (True, "loss"),
        (True, "loss"),
    ]
    assert [r.run.hash for r in repo.query_runs().iter_runs()] == hashes(runs[::-1])


def test_a_runs_query_over_metrics_brings_every_metric_of_the_matching_runs(repo, runs):
    from aim.sdk.metric import QueryRunMetricCollection

    found = QueryRunMetricCollection(repo, "run.hparams.batch_size > 20")
    metrics = list(found)
    assert all(type(m) is Metric and m._data is not None for m in metrics)  # points came along
    assert [m.run.hash for m in metrics] == [runs[1].hash] * 2 + [runs[0].hash] * 3  # newest first
    same = [(m.run.hash, m.name, m.context, m.values.values_list()) for m in metrics]
    listed = [(m.run.hash, m.name, m.context, m.values.values_list()) for r in found.iter_runs() for m in r]
    assert sorted(same, key=str) == sorted(listed, key=str)


def test_query_runs_with_an_offset_starts_after_that_run(repo, runs):
    page = repo.query_runs("", paginated=True, offset=runs[2].hash)
    assert [r.run.hash for r in page.iter_runs()] == [runs[1].hash, runs[0].hash]


def test_a_single_run_collection_with_a_query(runs):
    first = runs[0]
    test_only = SingleRunSequenceCollection(first, Metric, "metric.context.subset == 'test'")
    assert [(m.name, m.context["subset"]) for m in test_only] == [("loss", "test")]
    assert list(SingleRunSequenceCollection(first, Sequence, "run.hparams.lr > 1")) == []
    every = SingleRunSequenceCollection(first, Sequence, "run.hparams.lr > 0")
    assert sorted(s.name for s in every) == ["acc", "loss", "loss"]


def test_an_empty_result(repo):
    found = repo.query_metrics("metric.name == 'nothing such'")
    assert list(found) == [] and list(found.iter_runs()) == []
    pytest.importorskip("pandas")
    assert found.dataframe() is None  # as Aim


def test_progress_tuples_pair_each_run_with_the_progress(repo, runs):
    found = repo.query_metrics("metric.name == 'acc'", report_mode=QueryReportMode.PROGRESS_TUPLE)
    pairs = list(found.iter_runs())
    assert all(isinstance(p, tuple) and len(p) == 2 for p in pairs)
    collections = [c for c, _ in pairs if c is not None]
    assert [c.run.hash for c in collections] == [runs[0].hash]
    for _, progress in pairs:
        assert progress is None or (len(progress) == 2 and progress[0] <= progress[1])
    assert [m.name for m in found] == ["acc"]  # iter() yields the sequences only


def test_metrics_dataframe(repo, runs):
    pytest.importorskip("pandas")
    df = repo.query_metrics("metric.name == 'loss' and metric.context.subset == 'train'").dataframe()
    assert len(df) == 30 and df.index.tolist() == list(range(30))
    assert df["run.hash"].unique().tolist() == hashes(runs[::-1])
    assert set(df["metric.name"]) == {"loss"} and set(df["metric.context.subset"]) == {"train"}
    newest = df[df["run.hash"] == runs[2].hash]
    assert newest["step"].tolist() == list(range(10)) and newest["value"].tolist() == list(range(200, 210))
    assert set(newest["run.hparams.lr"]) == {0.005} and set(newest["run.hparams.batch_size"]) == {16}
    last = repo.query_metrics("metric.name == 'loss'").dataframe(only_last=True, include_run=False)
    assert len(last) == 6 and "run.hash" not in last.columns


def test_runs_dataframe(repo, runs):
    pytest.importorskip("pandas")
    df = repo.query_runs("run.hparams.batch_size < 50").dataframe()
    assert df["hash"].tolist() == [runs[2].hash, runs[0].hash]
    assert df["hparams.lr"].tolist() == [0.005, 0.001] and df["experiment"].tolist() == ["exp2", "exp0"]
    bare = repo.query_runs("run.hparams.batch_size < 50").dataframe(include_props=False, include_params=False)
    assert list(bare.columns) == ["hash"]
