"""Runs read back from a Repo (get_run, iter_runs, query results) take changes to their props and
tags, as in Aim, unless the Repo was opened read-only; params and tracking stay refused."""

from __future__ import annotations

import pytest

from aim import Repo, Run
from aim.errors import ReadOnlyRunError
from tests.helpers import quiet_run


@pytest.fixture
def closed_runs(repo):
    runs = []
    for i in range(3):
        with quiet_run(repo, experiment="exp") as run:
            run["i"] = i
            run.track(float(i), name="loss")
        runs.append(run.hash)
    return runs


def test_archiving_every_run_through_iter_runs(repo, closed_runs):
    for run in Repo(str(repo)).iter_runs():
        run.archived = True
    fresh = Repo(str(repo))
    assert all(run.archived for run in fresh.iter_runs())
    assert list(fresh.query_runs("").iter_runs()) == []  # archived runs are left out
    assert len(list(fresh.query_runs("run.archived == True").iter_runs())) == 3


def test_renaming_and_tagging_a_run_from_get_run_and_from_a_query(repo, closed_runs):
    run = Repo(str(repo)).get_run(closed_runs[0])
    run.name, run.description, run.experiment = "renamed", "about it", "other"
    run.add_tag("best")
    for match in Repo(str(repo)).query_metrics("run.experiment == 'other'").iter_runs():
        match.run.add_tag("seen")
        match.run.remove_tag("best")
    stored = Repo(str(repo)).get_run(closed_runs[0])
    assert (stored.name, stored.description, stored.experiment) == ("renamed", "about it", "other")
    assert stored.tags == ["seen"]
    assert stored.get_metric("loss").values.last() == (0, 0.0)  # the data is untouched


def test_params_and_tracking_stay_refused_on_a_storedquiet_run(repo, closed_runs):
    run = Repo(str(repo)).get_run(closed_runs[1])
    with pytest.raises(ReadOnlyRunError):
        run["i"] = 5
    with pytest.raises(ReadOnlyRunError):
        run.track(1.0, name="loss")
    assert run["i"] == 1


def test_a_read_only_repo_refuses_every_change(repo, closed_runs):
    read_only = Repo(str(repo), read_only=True)
    runs = [read_only.get_run(closed_runs[0]), next(iter(read_only.iter_runs()))]
    runs += [m.run for m in read_only.query_runs("").iter_runs()][:1]
    for run in runs:
        with pytest.raises(ReadOnlyRunError, match="read_only"):
            run.archived = True
        with pytest.raises(ReadOnlyRunError):
            run.name = "x"
        with pytest.raises(ReadOnlyRunError):
            run.add_tag("x")
    assert not any(run.archived for run in Repo(str(repo)).iter_runs())


def test_bad_props_are_refused_with_nothing_changed(repo, closed_runs):
    run = Repo(str(repo)).get_run(closed_runs[2])
    with pytest.raises(TypeError, match="run.name"):
        run.name = None
    with pytest.raises(TypeError, match="tag"):
        run.add_tag(3)
    assert Repo(str(repo)).get_run(closed_runs[2]).name == run.name


def test_a_new_runs_description_is_none_until_set(repo):
    run = Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False)
    assert run.description is None  # as in Aim
    run.description = "about it"
    run.close()
    assert Repo(str(repo)).get_run(run.hash).description == "about it"
