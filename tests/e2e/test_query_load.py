"""Queries under load: the budget counts the daemon's work, not the time a client takes to read;
a client that stops reading altogether has its stream ended by a separate idle timeout."""

from __future__ import annotations

import time

from aim import Repo, Run
from aim._model.connection import target_of as _target_of
from aim._model.query import QueryReportMode, iter_query
from tests.helpers import start_daemon

RUNS = 20
POINTS = 50_000  # 20 runs x 50k points x 16 bytes: far more than HTTP/2 windows hold in flight


def track_runs(repo) -> None:
    for i in range(RUNS):
        run = Run(repo=str(repo))
        track = run.track
        for step in range(POINTS):
            track(float(step), name="m", step=step)
        run["i"] = i
        run.close()


def test_a_slow_reader_is_not_charged_for_its_reading_time(repo, monkeypatch):
    track_runs(repo)
    monkeypatch.setenv("AIM_QUERY_TIMEOUT", "1")
    seen = 0
    started = time.monotonic()
    for metric in Repo(str(repo)).query_metrics("metric.name == 'm'", report_mode=QueryReportMode.DISABLED):
        assert len(metric.values.values_numpy()) == POINTS
        seen += 1
        time.sleep(0.15)  # the user's own work on each metric (plotting it): not the daemon's
    assert seen == RUNS
    assert time.monotonic() - started > 2  # the reading took longer than the query's 1 s budget


def test_a_stream_nobody_reads_is_ended_by_the_idle_timeout(repo):
    start_daemon(repo, "--query-idle-timeout", "1")
    track_runs(repo)
    results = iter_query(
        _target_of(str(repo)), "metric", with_points=True, report_mode=QueryReportMode.DISABLED
    )
    next(results)  # then the client reads no more (and does not cancel)
    log = repo / ".aim" / "aimd.log"
    deadline = time.monotonic() + 60
    while "its client read nothing for 1 s" not in log.read_text():
        assert time.monotonic() < deadline, "the daemon never ended the idle stream"
        time.sleep(0.05)
    results.close()
