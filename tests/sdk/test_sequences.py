"""Sequences read back through the daemon: step-ordered array views, metadata without the points,
Aim's data views, a run's sequence listings, contexts, and dataframes."""

from __future__ import annotations

import datetime
import math
import sys

import numpy as np
import pytest

from aim import Metric, Repo, Run, Sequence
from aim._model.collections import SingleRunSequenceCollection
from aim._model.sequences import Audios, Context, Distributions, Images, Texts
from tests.helpers import run_python


@pytest.fixture(scope="module")
def stored(shared) -> Run:
    """A closed run: 'loss' (train, steps tracked out of order, with epochs), 'loss' (val, ints,
    no epochs), 'acc' ({}); params hparams.lr and a nested tree."""
    run = Run(repo=str(shared), system_tracking_interval=None, experiment="seq")
    run["hparams"] = {"lr": 0.01, "opt": {"name": "adam", "betas": [0.9, 0.99]}}
    for step in (5, 1, 3, 0, 4, 2):
        run.track(step / 10, name="loss", step=step, epoch=step // 2, context={"subset": "train"})
    for step in range(0, 30, 10):
        run.track(step, name="loss", step=step, context={"subset": "val"})
    run.track(0.5, name="acc", step=7)
    run.close()
    return Repo(str(shared)).get_run(run.hash)


def test_values_epochs_timestamps_are_step_ordered_views(stored):
    train = stored.get_metric("loss", {"subset": "train"})
    assert isinstance(train, Metric) and train.name == "loss" and train.run == stored
    assert train.values.sparse_list() == ([0, 1, 2, 3, 4, 5], [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert train.values.values_list() == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert train.values.indices_list() == train.indices == [0, 1, 2, 3, 4, 5]
    steps, values = train.values.sparse_numpy()
    assert steps.dtype == np.int64 and values.dtype == np.float64
    np.testing.assert_array_equal(train.values.indices_numpy(), np.arange(6))
    np.testing.assert_array_equal(train.values.values_numpy(), np.arange(6) / 10)
    assert train.epochs.values_list() == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]
    stamps = train.timestamps.values_numpy()
    assert stamps.dtype == np.float64 and bool(np.all(stamps > 1e9))
    assert list(train.values.items()) == list(zip(range(6), [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], strict=True))
    assert train.values.first() == (0, 0.0) and train.values.last() == (5, 0.5)
    assert train.values[3] == 0.3  # indexed by step, as in Aim
    with pytest.raises(KeyError):
        train.values[6]
    assert list(train.values) == train.values.values_list() and len(train.values) == 6
    assert list(train.values.items_in_range(2, 4)) == [(2, 0.2), (3, 0.3)]


def test_int_values_stay_ints_and_missing_epochs_are_nan(stored):
    val = stored.get_metric("loss", {"subset": "val"})
    assert val.values.sparse_list() == ([0, 10, 20], [0, 10, 20])
    assert val.values.values_numpy().dtype == np.int64
    assert type(val.values.last()[1]) is int
    assert all(math.isnan(e) for e in val.epochs.values_list())


def test_metadata_comes_from_the_listing_without_reading_the_points(stored):
    train = stored.get_metric("loss", {"subset": "train"})
    assert (len(train), train.first_step(), train.last_step(), bool(train)) == (6, 0, 5, True)
    assert train._data is None  # nothing read yet
    first = train.values.values_numpy()
    assert train.values.values_numpy() is first  # read once, then kept


def test_a_sequence_made_by_hand_reads_its_metadata_and_points(stored):
    acc = Metric("acc", {}, stored)
    assert (len(acc), acc.first_step(), acc.last_step()) == (1, 7, 7)
    assert acc.values.sparse_list() == ([7], [0.5])
    absent = Metric("nope", {}, stored)
    assert (len(absent), absent.first_step(), bool(absent)) == (0, None, False)


def test_data_gives_aims_columns_together(stored):
    train = stored.get_metric("loss", {"subset": "train"})
    steps, (values, epochs, stamps) = train.data.numpy()
    np.testing.assert_array_equal(steps, np.arange(6))
    np.testing.assert_array_equal(values, np.arange(6) / 10)
    np.testing.assert_array_equal(epochs, [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(stamps, train.timestamps.values_numpy())
    steps_list, (values_list, epochs_list, _) = train.data.items_list()
    assert steps_list == [0, 1, 2, 3, 4, 5] and values_list == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert epochs_list == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]
    step, (value, epoch, _stamp) = next(iter(train.data.items()))
    assert (step, value, epoch) == (0, 0.0, 0.0)
    assert train.data.view("val").items_list() == (steps_list, [values_list])
    assert train.data.range(2, 4).items_list()[0] == [2, 3]
    assert train.data.sample(2).indices_list() == [0, 3, 5]  # evenly spaced, the last one kept
    with pytest.raises(NotImplementedError, match="use seq.data.range"):  # as Aim's ArrayView
        train.values[2:4]


def test_sequence_classes_name_their_values():
    assert Sequence.allowed_dtypes() == "*" and Sequence.sequence_name() is None
    assert Metric.sequence_name() == "metric" and set(Metric.allowed_dtypes()) >= {"int", "float"}
    assert (Images.sequence_name(), Images.allowed_dtypes()) == ("images", ("aim.image", "list(aim.image)"))
    assert (Distributions.sequence_name(), Distributions.allowed_dtypes()) == (
        "distributions",
        ("aim.distribution",),
    )
    assert (Texts.sequence_name(), Texts.allowed_dtypes()) == ("texts", ("aim.text", "list(aim.text)"))
    assert (Audios.sequence_name(), Audios.allowed_dtypes()) == ("audios", ("aim.audio", "list(aim.audio)"))
    assert Sequence.registry["metric"] is Metric and Sequence.registry["images"] is Images


def test_get_sequence_of_another_type_or_absent_is_none(stored):
    assert stored.get_metric("loss", {"subset": "test"}) is None
    assert stored.get_metric("loss") is None  # the context is part of the identity
    assert stored.get_image_sequence("loss", {"subset": "train"}) is None  # numbers, not images
    assert stored.get_metric("acc", Context({})) == stored.get_metric("acc", {})


def test_run_metrics_is_a_collection_of_its_metrics(stored):
    metrics = stored.metrics()
    assert isinstance(metrics, SingleRunSequenceCollection) and metrics.run is stored
    found = {(m.name, m.context.to_dict().get("subset")) for m in metrics}
    assert found == {("loss", "train"), ("loss", "val"), ("acc", None)}
    assert all(isinstance(m, Metric) for m in metrics) and len(metrics) == 3
    assert list(metrics.iter_runs()) == []  # already bound to its run


def test_sequence_infos_by_type(stored):
    infos = sorted((name, ctx.get("subset", ""), r is stored) for name, ctx, r in stored.iter_metrics_info())
    assert infos == [("acc", "", True), ("loss", "train", True), ("loss", "val", True)]
    assert all(isinstance(ctx, Context) for _, ctx, _ in stored.iter_sequence_info_by_type("*"))
    assert len(list(stored.iter_sequence_info_by_type(("float",)))) == 2
    assert list(stored.iter_sequence_info_by_type(("aim.image",))) == []


def test_collect_sequence_info_summarises_each_sequence(stored):
    info = stored.collect_sequence_info(("metric", "images"))
    assert info["images"] == []
    by_key = {(e["name"], e["context"].get("subset")): e for e in info["metric"]}
    assert set(by_key) == {("loss", "train"), ("loss", "val"), ("acc", None)}
    summary = by_key["loss", "train"]["last_value"]
    assert (summary["last"], summary["last_step"], summary["first_step"], summary["count"]) == (0.5, 5, 0, 6)
    assert (summary["min"], summary["max"]) == (0.0, 0.5)
    assert "last_value" not in stored.collect_sequence_info("metric", skip_last_value=True)["metric"][0]
    with pytest.raises(ValueError, match="not a sequence type"):
        stored.collect_sequence_info("tensors")


def test_context_is_a_read_only_dict_with_a_stable_idx(stored):
    ctx = stored.get_metric("loss", {"subset": "train"}).context
    assert isinstance(ctx, Context) and isinstance(ctx, dict)
    assert ctx == {"subset": "train"} and ctx.to_dict() == {"subset": "train"} and ctx["subset"] == "train"
    assert ctx == Context({"subset": "train"}) and hash(ctx) == hash(Context({"subset": "train"}))
    assert Context({"a": 1, "b": [1, 2]}) == Context({"b": [1, 2], "a": 1})
    assert Context({"a": 1}) != Context({"a": 1.0}) and Context({"a": 1}) != Context({"a": True})
    with pytest.raises(TypeError, match="read-only"):
        ctx["subset"] = "val"
    done = run_python(
        """
        from aim.storage.context import Context
        print(Context({"subset": "train", "k": [1, {"x": None}]}).idx)
        """
    )
    assert int(done.stdout) == Context({"k": [1, {"x": None}], "subset": "train"}).idx  # across processes


def test_sequences_are_equal_by_run_name_and_context(stored, shared):
    again = Repo(str(shared)).get_run(stored.hash)
    a = stored.get_metric("loss", {"subset": "train"})
    b = again.get_metric("loss", {"subset": "train"})
    assert a == b and hash(a) == hash(b)
    assert a != stored.get_metric("loss", {"subset": "val"})


def test_metric_dataframe(stored):
    pd = pytest.importorskip("pandas")
    train = stored.get_metric("loss", {"subset": "train"})
    df = train.dataframe()
    assert list(df.columns) == ["idx", "step", "value", "epoch", "time"]
    assert df["step"].tolist() == [0, 1, 2, 3, 4, 5]
    assert df["value"].tolist() == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert df["idx"].tolist() == list(range(6)) and df["epoch"].tolist() == [0, 0, 1, 1, 2, 2]
    expected = datetime.datetime.fromtimestamp(train.timestamps.values_list()[0])
    assert df["time"].iloc[0] == pd.Timestamp(expected)

    full = train.dataframe(include_name=True, include_context=True, include_run=True, only_last=True)
    assert len(full) == 1
    row = full.iloc[0].to_dict()
    assert (row["step"], row["value"], row["epoch"]) == (5, 0.5, 2)
    assert row["run.hash"] == stored.hash and row["run.hparams.lr"] == 0.01
    assert row["run.hparams.opt.name"] == "adam" and row["run.hparams.opt.betas"] == "[0.9, 0.99]"
    assert row["metric.name"] == "loss" and row["metric.context.subset"] == "train"


def test_run_dataframe(stored):
    pytest.importorskip("pandas")
    df = stored.dataframe()
    assert len(df) == 1
    row = df.iloc[0].to_dict()
    assert row["hash"] == stored.hash and row["experiment"] == "seq" and row["tags"] == "[]"
    assert row["active"] is False or row["active"] == False  # noqa: E712 (a numpy bool)
    assert row["end_time"] >= row["creation_time"] and row["hparams.lr"] == 0.01
    assert list(stored.dataframe(include_props=False, include_params=False).columns) == ["hash"]


def test_dataframe_without_pandas_says_how_to_get_it(stored, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    train = stored.get_metric("loss", {"subset": "train"})
    for call in (train.dataframe, stored.dataframe, stored.metrics().dataframe):
        with pytest.raises(ImportError, match="pip install pandas"):
            call()


def test_a_runs_metrics_dataframe(stored):
    pytest.importorskip("pandas")
    df = stored.metrics().dataframe()
    assert len(df) == 6 + 3 + 1 and df.index.tolist() == list(range(10))
    assert set(df["metric.name"]) == {"loss", "acc"} and set(df["run.hash"]) == {stored.hash}
    last = stored.metrics().dataframe(only_last=True, include_run=False)
    assert len(last) == 3 and "run.hash" not in last.columns
