"""Query benchmark: AimQL evaluated in the daemon, results streamed into numpy.

    python bench/bench_query.py [--runs 50] [--steps 1000] [--many-runs 10000] [--repeat 5] [--no-extras]

Scenario (issue 3): RUNS runs with hparams {lr, batch_size}, each tracking 5 metrics x 2 contexts
x STEPS steps; then
  * query_runs('run.hparams.lr > X') wall time (median of --repeat),
  * query_metrics('metric.name == "loss" and run.hparams.lr > X') with every value pulled into
    numpy: points/s, and the time to the first metric,
  * every metric of every run into numpy (the whole repository): points/s,
  * query_runs('run.hparams.lr > X') over MANY_RUNS runs.
Beside each figure: the raw cost of reading the same blocks straight from plyvel in this process
(decode included), the ceiling a daemon that reads and ships the data cannot beat.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import harness

from aim import Repo, Run
from aim._model.query import QueryReportMode

QUIET = QueryReportMode.DISABLED
METRICS = ("loss", "accuracy", "grad_norm", "lr", "throughput")
CONTEXTS = ({"subset": "train"}, {"subset": "val"})
THRESHOLD = 0.0005  # half of the runs have lr above it

TARGET_POINTS_PER_S = 10_000_000
TARGET_FIRST_RESULT_S = 0.005
TARGET_MANY_RUNS_S = 0.200


def lr_of(i: int, runs: int) -> float:
    return 0.001 * (i + 0.5) / runs


def populate(repo: Path, runs: int, steps: int) -> int:
    import numpy as np

    rng = np.random.default_rng(0)
    points = 0
    for i in range(runs):
        run = Run(repo=str(repo), **harness.run_options())
        run["hparams"] = {"lr": lr_of(i, runs), "batch_size": 32 * (1 + i % 4)}
        for name in METRICS:
            for ctx in CONTEXTS:
                values = rng.random(steps).tolist()
                for step, value in enumerate(values):
                    run.track(value, name=name, step=step, context=ctx)
                points += steps
        run.close()
    return points


def populate_many(repo: Path, runs: int) -> None:
    def one(i: int) -> None:
        run = Run(repo=str(repo), **harness.run_options())
        run["hparams"] = {"lr": lr_of(i, runs), "batch_size": 32}
        run.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(runs)))


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    """(median seconds, last result) of repeat calls."""
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def pull_metrics(repo: Repo, query: str) -> int:
    points = 0
    for metric in repo.query_metrics(query, report_mode=QUIET):
        steps, values = metric.values.sparse_numpy()
        points += len(values)
    return points


def first_metric(repo: Repo, query: str) -> None:
    collection = repo.query_metrics(query, report_mode=QUIET)
    iterator = iter(collection)
    next(iterator)
    iterator.close()  # type: ignore[attr-defined]  # a generator, which has close()


def query_runs(repo: Repo, query: str) -> int:
    return sum(1 for _ in repo.query_runs(query, report_mode=QUIET).iter_runs())


def raw_block_read(repo: Path) -> tuple[float, int]:
    """Seconds and points to read and decode every block of the store directly (daemon stopped)."""
    import plyvel

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from aimd.storage.blocks import decode_block

    harness.stop_daemon(repo)
    db = plyvel.DB(str(repo / ".aim" / "db"))
    try:
        started = time.perf_counter()
        points = sum(len(decode_block(raw)[1]) for _, raw in db.iterator(prefix=b"B"))
        return time.perf_counter() - started, points
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--many-runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--repo-dir", default="/tmp")
    parser.add_argument("--keep", action="store_true")
    harness.add_extras_switch(parser)
    args = parser.parse_args(argv)
    repos = harness.Repos(args.repo_dir, args.keep)
    rows: list[tuple[str, str, str]] = []
    try:
        path = repos.new("query")
        started = time.perf_counter()
        total = populate(path, args.runs, args.steps)
        print(f"populated {args.runs} runs, {total:,} points in {time.perf_counter() - started:.1f} s")
        repo = Repo(str(path))
        q_runs = f"run.hparams.lr > {THRESHOLD}"
        q_loss = f'metric.name == "loss" and run.hparams.lr > {THRESHOLD}'
        pull_metrics(repo, q_loss)  # warm the daemon's caches
        seconds, matched = timed(lambda: query_runs(repo, q_runs), args.repeat)
        rows.append((f"query_runs({q_runs!r}), {matched} of {args.runs} runs", f"{seconds * 1e3:.1f} ms", ""))
        seconds, points = timed(lambda: pull_metrics(repo, q_loss), args.repeat)
        rate = points / seconds
        rows.append(
            (
                f"query_metrics(loss, lr > X) into numpy, {points:,} points",
                f"{rate:,.0f} points/s",
                f">= {TARGET_POINTS_PER_S:,}: {'ok' if rate >= TARGET_POINTS_PER_S else 'MISS'}",
            )
        )
        seconds, _ = timed(lambda: first_metric(repo, q_loss), args.repeat)
        rows.append(
            (
                "  time to the first metric",
                f"{seconds * 1e3:.2f} ms",
                f"<= 5 ms: {'ok' if seconds <= TARGET_FIRST_RESULT_S else 'MISS'}",
            )
        )
        seconds, points = timed(lambda: pull_metrics(repo, ""), args.repeat)
        rows.append(
            (f"query_metrics('') into numpy, {points:,} points", f"{points / seconds:,.0f} points/s", "")
        )
        raw_s, raw_points = raw_block_read(path)
        rows.append(("  raw plyvel read + decode of every block", f"{raw_points / raw_s:,.0f} points/s", ""))

        many = repos.new("many")
        started = time.perf_counter()
        populate_many(many, args.many_runs)
        print(f"populated {args.many_runs} runs in {time.perf_counter() - started:.1f} s")
        repo = Repo(str(many))
        query_runs(repo, q_runs)
        seconds, matched = timed(lambda: query_runs(repo, q_runs), args.repeat)
        rows.append(
            (
                f"query_runs over {args.many_runs:,} runs ({matched:,} match)",
                f"{seconds * 1e3:.1f} ms",
                f"<= 200 ms: {'ok' if seconds <= TARGET_MANY_RUNS_S else 'MISS'}",
            )
        )
    finally:
        repos.stop()
    print(f"\n{harness.machine()}")
    width = max(len(r[0]) for r in rows)
    for figure, value, target in rows:
        print(f"{figure:<{width}}  {value:>22}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
