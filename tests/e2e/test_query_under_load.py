"""A query's time budget bounds the evaluation of its expression (CPU time), not reading and
streaming its points: a large query finishes on a machine busy with CPU hogs, while hostile
queries beside it still end in QueryBudgetError."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from aim import Run
from aim._model.connection import target_of
from aim._model.query import QueryReportMode, iter_query
from aim.errors import QueryBudgetError

RUNS = 5
SEQUENCES = 2
STEPS = 100_000
MIN_BUDGET_S = 0.02  # CPU seconds: evaluating the expression on 10 sequences takes far less
HOGS = 3


@contextmanager
def cpu_hogs(count: int) -> Iterator[list[subprocess.Popen]]:
    """Processes that spin a CPU each until the block ends (stopped by PID)."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(30)


def test_a_large_query_finishes_beside_cpu_hogs_and_hostile_ones_still_end(repo):
    for r in range(RUNS):
        with Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False) as run:
            run["i"] = r
            for step in range(STEPS):
                for s in range(SEQUENCES):
                    run.track(step * 0.5 + s, name=f"m{s}", step=step)
    with cpu_hogs(HOGS) as hogs:
        check_queries(str(repo), hogs)


def large_query(target: object, budget_s: float) -> tuple[float, list]:
    """Every point of the repository through one query with that time budget: (seconds, matches)."""
    started = time.monotonic()
    matches = list(
        iter_query(
            target,
            "metric",
            "metric.name.startswith('m') and run.i >= 0",
            with_points=True,
            timeout_s=budget_s,
            report_mode=QueryReportMode.DISABLED,
        )
    )
    return time.monotonic() - started, matches


def check_queries(repo: str, hogs: list[subprocess.Popen]) -> None:
    target = target_of(repo)
    assert all(proc.poll() is None for proc in hogs)  # the machine is busy

    # the budget: a quarter of what reading and streaming the points take here, whatever the
    # machine's speed, so that the query can only finish if the transfer is not counted
    took, _ = large_query(target, 60.0)
    budget_s = max(took / 4, MIN_BUDGET_S)
    took, matches = large_query(target, budget_s)
    sequences = [seq for match in matches for seq in match.sequences]
    assert len(sequences) == RUNS * SEQUENCES
    for seq in sequences:
        steps = seq["columns"]["steps"]
        assert len(steps) == STEPS and steps[-1] == STEPS - 1
    assert took > budget_s  # streaming took longer than the budget: only the evaluation counted

    for hostile in ("10**10**10", "sum(range(10**10))", "[x for x in range(10**6) for y in range(10**6)]"):
        with pytest.raises(QueryBudgetError):
            list(iter_query(target, None, hostile, timeout_s=budget_s, report_mode=QueryReportMode.DISABLED))
