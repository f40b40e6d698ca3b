"""Beyond Aim: runs queries that test sequences, and run.status."""

from __future__ import annotations

import pytest

from aim import Repo
from aim._model.query import QueryReportMode
from aim.errors import QueryError
from tests.helpers import quiet_run, run_python, wait_for

QUIET = QueryReportMode.DISABLED


def _hashes(repo: Repo, query: str) -> set[str]:
    return {match.run.hash for match in repo.query_runs(query, report_mode=QUIET).iter_runs()}


def test_a_runs_query_matches_runs_with_one_matching_sequence(repo):
    good, bad, none = (
        quiet_run(repo),
        quiet_run(repo),
        quiet_run(repo),
    )
    for run, last in ((good, 0.1), (bad, 0.9)):
        run["lr"] = 0.01
        run.track(1.0, name="loss", step=0, context={"subset": "train"})
        run.track(last, name="loss", step=1, context={"subset": "train"})
        run.track(0.9, name="loss", step=1, context={"subset": "val"})
    none["lr"] = 0.01
    r = Repo(str(repo))
    assert _hashes(r, 'metric.name == "loss" and metric.last < 0.5') == {good.hash}
    assert _hashes(r, 'metric.name == "loss" and metric.context.subset == "val"') == {good.hash, bad.hash}
    assert _hashes(r, "run.lr == 0.01 and metric.count >= 2") == {good.hash, bad.hash}
    assert _hashes(r, "run.lr == 0.01") == {good.hash, bad.hash, none.hash}
    assert _hashes(r, "images.count > 0") == set()
    [match] = list(r.query_runs("metric.last < 0.5", report_mode=QUIET).iter_runs())
    assert {m.context["subset"] for m in match} == {"train", "val"}  # the run's every metric
    with pytest.raises(QueryError, match="metric and images"):
        _hashes(r, "metric.last < 0.5 or images.count > 0")
    for run in (good, bad, none):
        run.close()


def test_run_status_running_then_finished(repo):
    run = quiet_run(repo)
    assert run.status == "running"
    stored = Repo(str(repo)).get_run(run.hash)
    assert stored.status == "running"
    run.close()
    assert run.status == "finished" and stored.status == "finished"


def test_run_status_crashed_when_its_process_died_without_closing(repo):
    done = run_python(
        f"""
        import os
        from aim import Run
        run = Run(repo={str(repo)!r}, system_tracking_interval=None, capture_terminal_logs=False)
        run.track(1.0, name="x")
        run.get_metric("x")  # the point is stored
        print(run.hash, flush=True)
        os._exit(0)  # no close(), no exit hooks
        """
    )
    stored = Repo(str(repo)).get_run(done.stdout.split()[0])
    wait_for(lambda: stored.status != "running")  # until the daemon notices the stream ended
    assert stored.status == "crashed" and stored.end_time is not None
