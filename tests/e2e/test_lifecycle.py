"""A Run dropped without close() is finalized (its points sent, end_time set); finalize() is close()."""

from __future__ import annotations

import gc

from aim import Repo, Run
from tests.helpers import wait_for


def test_del_run_sends_its_points_and_sets_end_time(repo):
    run = Run(repo=str(repo))
    run_hash = run.hash
    for step in range(5000):
        run.track(float(step), name="loss", step=step)
    del run
    gc.collect()
    stored = Repo(str(repo)).get_run(run_hash)
    wait_for(lambda: stored.end_time is not None)
    assert not stored.active
    assert len(stored.get_metric("loss").values.values_numpy()) == 5000


def test_a_dropped_handle_leaves_the_run_open_for_the_others(repo):
    keeper = Run(repo=str(repo))
    other = Run(keeper.hash, repo=str(repo))
    other.track(1.0, name="x", step=0)
    del other
    gc.collect()
    stored = Repo(str(repo)).get_run(keeper.hash)
    wait_for(lambda: stored.get_metric("x") is not None)
    keeper.track(2.0, name="x", step=1)
    assert stored.active and stored.end_time is None
    keeper.close()
    assert stored.end_time is not None and not stored.active


def test_finalize_is_close_and_both_are_idempotent(repo):
    run = Run(repo=str(repo))
    run.track(1.0, name="x")
    run.finalize()
    end = run.end_time
    assert end is not None
    run.close()
    run.finalize()
    assert run.end_time == end and not run.active
