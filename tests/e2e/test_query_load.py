"""Queries under load: the budget counts the daemon's work, not the time a client takes to read."""

from __future__ import annotations

import time

from aim import Repo, Run
from aim._query import QueryReportMode

RUNS = 20
POINTS = 50_000  # 20 runs x 50k points x 16 bytes: far more than HTTP/2 windows hold in flight


def test_a_slow_reader_is_not_charged_for_its_reading_time(repo, monkeypatch):
    for i in range(RUNS):
        run = Run(repo=str(repo))
        track = run.track
        for step in range(POINTS):
            track(float(step), name="m", step=step)
        run["i"] = i
        run.close()
    monkeypatch.setenv("AIM_QUERY_TIMEOUT", "1")
    seen = 0
    started = time.monotonic()
    for metric in Repo(str(repo)).query_metrics("metric.name == 'm'", report_mode=QueryReportMode.DISABLED):
        assert len(metric.values.values_numpy()) == POINTS
        seen += 1
        time.sleep(0.15)  # the user's own work on each metric (plotting it): not the daemon's
    assert seen == RUNS
    assert time.monotonic() - started > 2  # the reading took longer than the query's 1 s budget
