"""End to end through a real daemon and LevelDB: one process tracking, reading back, resuming."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from aim import Repo, Run
from aim.errors import ClosedRunError, MissingRunError, ReadOnlyRunError, SequenceTypeError


def test_points_read_back_exactly_as_tracked(repo):
    """1. track two contexts with epochs; 2. close; 3. read back values, steps, epochs, timestamps."""
    before = time.time()
    run = Run(repo=str(repo), system_tracking_interval=None, experiment="resnet")
    for step in range(5000):
        run.track(step * 0.25, name="loss", step=step, epoch=step // 1000, context={"subset": "train"})
        if step % 10 == 0:
            run.track(step, name="loss", step=step, context={"subset": "val"})
    run.close()
    after = time.time()

    stored = Repo(str(repo)).get_run(run.hash)
    train = stored.get_metric("loss", {"subset": "train"})
    steps, values = train.values.sparse_numpy()
    np.testing.assert_array_equal(steps, np.arange(5000))
    np.testing.assert_array_equal(values, np.arange(5000) * 0.25)
    np.testing.assert_array_equal(train.epochs.values_numpy(), np.arange(5000) // 1000)
    stamps = train.timestamps.values_numpy()
    assert before <= stamps[0] <= stamps[-1] <= after
    assert bool(np.all(np.diff(stamps) >= 0))

    val = stored.get_metric("loss", {"subset": "val"})
    assert val.values.values_numpy().dtype == np.int64
    np.testing.assert_array_equal(val.values.indices_numpy(), np.arange(0, 5000, 10))
    assert np.isnan(val.epochs.values_numpy()).all()  # no epoch given reads back as NaN
    assert {(m.name, tuple(m.context.items())) for m in stored.metrics()} == {
        ("loss", (("subset", "train"),)),
        ("loss", (("subset", "val"),)),
    }


def test_auto_steps_dict_form_and_numpy_scalars(repo):
    run = Run(repo=str(repo))
    for i in range(3):
        run.track({"loss": np.float32(i / 2), "acc": np.int64(i)}, context={"rank": 0})
    run.track(np.array([7.5]), name="loss", context={"rank": 0})
    run.close()
    stored = Repo(str(repo)).get_run(run.hash)
    loss = stored.get_metric("loss", {"rank": 0})
    assert loss.values.sparse_list() == ([0, 1, 2, 3], [0.0, 0.5, 1.0, 7.5])
    assert stored.get_metric("acc", {"rank": 0}).values.values_list() == [0, 1, 2]


def test_int_and_float_mix_as_numbers(repo):
    run = Run(repo=str(repo))
    run.track(1, name="x")
    run.track(2.5, name="x")
    run.track(3, name="x")
    run.close()
    assert Repo(str(repo)).get_run(run.hash).get_metric("x").values.values_list() == [1.0, 2.5, 3.0]


def test_nan_and_inf_are_stored_faithfully(repo):
    run = Run(repo=str(repo))
    for v in (math.nan, math.inf, -math.inf, 0.0):
        run.track(v, name="weird")
    run.close()
    values = Repo(str(repo)).get_run(run.hash).get_metric("weird").values.values_numpy()
    assert np.isnan(values[0]) and values[1] == math.inf and values[2] == -math.inf and values[3] == 0


def test_same_step_twice_keeps_the_last_value(repo):
    run = Run(repo=str(repo))
    run.track(1.0, name="x", step=0)
    run.track(2.0, name="x", step=1)
    run.track(3.0, name="x", step=0)
    run.close()
    assert Repo(str(repo)).get_run(run.hash).get_metric("x").values.sparse_list() == ([0, 1], [3.0, 2.0])


def test_out_of_order_steps_read_back_step_ordered(repo):
    run = Run(repo=str(repo))
    for step in (5, 1, 3, 0, 2, 4):
        run.track(float(step), name="x", step=step)
    run.close()
    metric = Repo(str(repo)).get_run(run.hash).get_metric("x")
    assert metric.values.sparse_list() == ([0, 1, 2, 3, 4, 5], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])


def test_resume_continues_steps_and_keeps_params(repo):
    """1. track 5 auto steps and close; 2. resume by hash, track 3 more; 3. steps run 0..7."""
    run = Run(repo=str(repo), experiment="first")
    run["hparams"] = {"lr": 0.1}
    for i in range(5):
        run.track(i, name="loss", context={"subset": "train"})
    run.close()

    resumed = Run(run.hash, repo=str(repo))
    assert resumed.experiment == "first"
    assert resumed["hparams", "lr"] == 0.1
    for i in range(5, 8):
        resumed.track(i, name="loss", context={"subset": "train"})
    resumed.close()
    metric = Repo(str(repo)).get_run(run.hash).get_metric("loss", {"subset": "train"})
    assert metric.values.sparse_list() == (list(range(8)), list(range(8)))


def test_long_series_spans_many_blocks(repo):
    run = Run(repo=str(repo))
    n = 100_000
    for i in range(n):
        run.track(i, name="long")
    run.close()
    metric = Repo(str(repo)).get_run(run.hash).get_metric("long")
    np.testing.assert_array_equal(metric.values.values_numpy(), np.arange(n))


def test_lifecycle_props_and_context_manager(repo):
    with Run(repo=str(repo), experiment="exp") as run:
        assert run.active
        assert run.end_time is None and run.finalized_at is None
        run.name = "my run"
        run.description = "about it"
        run.add_tag("a")
        run.add_tag("b")
        run.remove_tag("a")
        run.archived = True
        run.track(1.0, name="x")
    assert not run.active
    assert run.end_time >= run.creation_time
    assert run.finalized_at.timestamp() == pytest.approx(run.end_time)
    stored = Repo(str(repo)).get_run(run.hash)
    assert (stored.name, stored.description, stored.experiment) == ("my run", "about it", "exp")
    assert stored.tags == ["b"] and stored.archived
    assert stored.created_at.timestamp() == pytest.approx(stored.creation_time)
    with pytest.raises(ClosedRunError):
        run.track(2.0, name="x")
    with pytest.raises(ReadOnlyRunError):
        stored.track(2.0, name="x")
    with pytest.raises(ReadOnlyRunError):
        stored["x"] = 1


def test_default_experiment_and_name(repo):
    run = Run(repo=str(repo))
    assert run.experiment == "default"
    assert run.hash in run.name
    run.close()


def test_unknown_hash_is_a_clear_error(repo):
    Run(repo=str(repo)).close()
    with pytest.raises(MissingRunError, match="no run with hash 'nope'"):
        Run("nope", repo=str(repo))
    assert Repo(str(repo)).get_run("nope") is None


def test_iter_runs_lists_every_run(repo):
    hashes = []
    for _ in range(3):
        with Run(repo=str(repo)) as run:
            hashes.append(run.hash)
    assert [r.hash for r in Repo(str(repo)).iter_runs()] == hashes


def test_contexts_equal_in_python_but_of_other_types_stay_apart(repo):
    """{'rank': 1}, {'rank': 1.0} and {'rank': True} compare equal but are three contexts;
    {'a': 1, 'b': 2} and {'b': 2, 'a': 1} are one."""
    run = Run(repo=str(repo))
    for _ in range(3):
        run.track(1, name="x", context={"rank": 1})
        run.track(2, name="x", context={"rank": 1.0})
        run.track(3, name="x", context={"rank": True})
        run.track(4, name="y", context={"a": 1, "b": 2})
        run.track(5, name="y", context={"b": 2, "a": 1})
        run.track(6, name="z", context={"nested": {"k": [1, 2]}})
    run.close()
    stored = Repo(str(repo)).get_run(run.hash)
    assert stored.get_metric("x", {"rank": 1}).values.values_list() == [1, 1, 1]
    assert stored.get_metric("x", {"rank": 1.0}).values.values_list() == [2, 2, 2]
    assert stored.get_metric("x", {"rank": True}).values.values_list() == [3, 3, 3]
    assert stored.get_metric("y", {"a": 1, "b": 2}).values.sparse_list() == ([0, 1, 2, 3, 4, 5], [4, 5] * 3)
    assert stored.get_metric("z", {"nested": {"k": [1, 2]}}).values.values_list() == [6, 6, 6]


def test_a_run_stays_active_until_its_last_handle_closes(repo):
    """Two Run objects of one process on one hash: closing the first leaves the run active."""
    first = Run(repo=str(repo))
    second = Run(first.hash, repo=str(repo))
    first.track(1.0, name="a")
    second.track(2.0, name="b")
    first.close()
    assert second.active and second.end_time is None
    second.close()
    stored = Repo(str(repo)).get_run(first.hash)
    assert not stored.active and stored.end_time is not None
    assert stored.get_metric("a").values.values_list() == [1.0]
    assert stored.get_metric("b").values.values_list() == [2.0]


def test_a_value_of_another_type_is_refused_naming_the_sequence_also_after_resume(repo):
    """Aim's dtype rule: a metric holds numbers; a str is a ValueError (and a TypeError) in Aim's
    words, a list into it is Aim's clash."""
    run = Run(repo=str(repo))
    run.track(1, name="loss", context={"subset": "train"})
    run.close()
    resumed = Run(run.hash, repo=str(repo))
    with pytest.raises(ValueError, match="Input type <class 'str'> is neither python number nor") as caught:
        resumed.track("high", name="loss", context={"subset": "train"})
    assert """sequence 'loss' {"subset":"train"}""" in str(caught.value.__cause__)  # ours, as its cause
    with pytest.raises(ValueError, match=r"Cannot log value '\[1\]' on sequence 'loss'"):
        resumed.track([1], name="loss", context={"subset": "train"})
    with pytest.raises(SequenceTypeError):
        resumed.track([1, 2], name="loss", context={"subset": "train"})
    resumed.track(2.5, name="loss", context={"subset": "train"})  # int and float mix as numbers
    resumed.close()
    metric = Repo(str(repo)).get_run(run.hash).get_metric("loss", {"subset": "train"})
    assert metric.values.sparse_list() == ([0, 1], [1.0, 2.5])
