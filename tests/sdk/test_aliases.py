"""Aim's import paths for sequences, collections and contexts, and Aim 3.0's deprecated Run names:
each warns with a DeprecationWarning and gives what its replacement gives."""

from __future__ import annotations

import pytest

import aim
from aim import Repo, Run
from aim._model.collections import QueryMetricCollection, QueryRunMetricCollection, SingleRunMetricCollection


def test_aims_import_paths_for_sequences_and_collections():
    from aim.sdk.metric import Metric, MetricCollection
    from aim.sdk.sequence import Sequence
    from aim.sdk.sequence_collection import (
        QueryRunSequenceCollection,
        QuerySequenceCollection,
        SequenceCollection,
        SingleRunSequenceCollection,
    )
    from aim.sdk.types import QueryReportMode
    from aim.storage.context import Context

    assert (Metric, Sequence) == (aim.Metric, aim.Sequence)
    assert MetricCollection is SequenceCollection
    for cls in (SingleRunSequenceCollection, QuerySequenceCollection, QueryRunSequenceCollection):
        assert issubclass(cls, SequenceCollection)
    assert {m.name for m in QueryReportMode} == {"DISABLED", "PROGRESS_BAR", "PROGRESS_TUPLE"}
    assert Context({"a": 1}) == {"a": 1}


def test_aim_3_0_metric_collections_fix_the_sequence_class(run, shared):
    run.track(1.0, name="x")
    repo = Repo(str(shared))
    assert SingleRunMetricCollection(run).seq_cls is aim.Metric
    assert QueryMetricCollection(repo, "metric.name == 'x'").seq_cls is aim.Metric
    runs = QueryRunMetricCollection(repo, "run.hash != ''", paginated=True, offset="abc")
    assert (runs.seq_cls, runs.query, runs.offset) == (aim.Metric, "run.hash != ''", "abc")


def test_run_hashname_is_run_hash(run, shared):
    with pytest.warns(DeprecationWarning, match="hashname"):
        again = Run(hashname=run.hash, repo=str(shared), read_only=True)
    assert again.hash == run.hash
    with pytest.raises(TypeError, match="not both"):
        Run(run.hash, hashname=run.hash, repo=str(shared))


@pytest.fixture
def tracked(run, shared) -> Run:
    run.track(1.0, name="loss", step=0, context={"subset": "train"})
    run.track(2.0, name="loss", step=1, context={"subset": "train"})
    run.close()
    return Repo(str(shared)).get_run(run.hash)


def test_traces_is_metrics(tracked):
    with pytest.warns(DeprecationWarning, match=r"metrics\(\)"):
        traces = list(tracked.traces())
    assert traces == list(tracked.metrics())


def test_get_trace_is_get_metric(tracked):
    with pytest.warns(DeprecationWarning, match=r"get_metric\(\)"):
        trace = tracked.get_trace("loss", {"subset": "train"})
    assert trace == tracked.get_metric("loss", {"subset": "train"})
    assert trace.values.values_list() == [1.0, 2.0]


def test_iter_all_traces_is_iter_metrics_info(tracked):
    with pytest.warns(DeprecationWarning, match="iter_metrics_info"):
        traces = list(tracked.iter_all_traces())
    assert traces == list(tracked.iter_metrics_info()) == [("loss", {"subset": "train"}, tracked)]


def test_get_traces_overview_lists_name_context_and_last_value(tracked):
    with pytest.warns(DeprecationWarning, match="collect_sequence_info"):
        overview = tracked.get_traces_overview()
    assert len(overview) == 1
    entry = overview[0]
    assert (entry["metric_name"], entry["context"]) == ("loss", {"subset": "train"})
    assert (entry["last_value"]["last"], entry["last_value"]["last_step"]) == (2.0, 1)


def test_props_is_a_dict_of_the_runs_props(tracked):
    props = tracked.props
    assert props["hash"] == tracked.hash and props.name == tracked.name
    assert props["experiment"] == tracked.experiment and props["end_time"] is not None
