"""Fault and hostile-load benchmark: other clients' latency under hostile queries, interleaved writers.

One run prints two tables:

* ack latency and unary latency (milliseconds, p50 / p90 / p99 / max) of one tracking process,
  alone and while 4 other processes send hostile queries back to back (the issue's membership
  bomb, list.count and sort bombs, a runaway comprehension, each with a 5 s budget). An ack
  sample is one track() followed by a flush and the wait for its TrackAck (the point is durable);
  a unary sample is one `run[...] = ...` (SetParams, written by the daemon before it answers).
  Samples are 10 ms apart, starting 1 s after the queries.
* points/s of one writer tracking one sequence, and of two writers (two processes attached to one
  run) tracking the even and the odd steps of that same sequence at once; the clock runs from the
  first track() to the last close() returning.

Every measurement runs in fresh interpreters (multiprocessing, spawn) in a fresh repository
under a temporary folder; every daemon started is stopped by its PID at the end.

    python bench/bench_faults.py                       # the defaults (see --help)
    python bench/bench_faults.py --samples 500 --points 2000000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from harness import BARRIER_TIMEOUT_S, Repos, machine, percentiles, run_workers

HOSTILE_QUERIES = (
    "(lambda s: (s[:-1]+'b') in [s]*10**6)('a'*10**6)",
    "(lambda s: ([s]*10**6).count(s[:-1]+'b'))('a'*10**6)",
    "sorted([10**30000]*10**4)",
    "[x for x in range(10**6) for y in range(10**6)]",
    "sorted(range(10**6)) and [x for x in range(10**6) for y in range(10**6)]",
)
HOSTILE_PROCESSES = 4
HOSTILE_BUDGET_S = 5.0
SETTLE_S = 1.0  # after the start, before the first latency sample
PACE_S = 0.01  # between two latency samples


# --- workers (run in spawned interpreters) ----------------------------------------------------
def latency_worker(repo: str, samples: int, barrier: Any, results: Any) -> None:
    """Time `samples` acks (track, flush, wait for the TrackAck) and `samples` SetParams calls."""
    try:
        from aim import Run

        run = Run(repo=repo, experiment="bench-latency")
        sender = run._tracker.sender
        for step in range(20):  # warm-up
            run.track(float(step), name="ack", step=step)
            sender.wait(sender.flush(), 60)
        barrier.wait(BARRIER_TIMEOUT_S)
        time.sleep(SETTLE_S)  # the hostile queries are running by now
        acks, unary = [], []
        for i in range(samples):
            time.sleep(PACE_S)  # samples spread over seconds: the queries' whole lifetimes
            start = time.perf_counter_ns()
            run.track(float(i), name="ack", step=20 + i)
            sender.wait(sender.flush(), 60)
            acked = time.perf_counter_ns()
            run["sample"] = i
            acks.append(acked - start)
            unary.append(time.perf_counter_ns() - acked)
        run.close()
        results.put({"ok": True, "role": "latency", "acks": acks, "unary": unary})
    except BaseException:
        results.put({"ok": False, "error": traceback.format_exc()})


def hostile_worker(repo: str, barrier: Any, done: Any, results: Any) -> None:
    """Send hostile queries back to back until done is set; report how many ended how."""
    try:
        from aim._model.connection import target_of as _target_of
        from aim._model.query import QueryReportMode, iter_query
        from aim.errors import AimError

        target = _target_of(repo)
        barrier.wait(BARRIER_TIMEOUT_S)
        sent = refused = 0
        while not done.is_set():
            query = HOSTILE_QUERIES[sent % len(HOSTILE_QUERIES)]
            sent += 1
            try:
                for _ in iter_query(
                    target, None, query, timeout_s=HOSTILE_BUDGET_S, report_mode=QueryReportMode.DISABLED
                ):
                    pass
            except AimError:  # refused, out of budget, or (a starved daemon) not answering
                refused += 1
        results.put({"ok": True, "role": "hostile", "sent": sent, "refused": refused})
    except BaseException:
        results.put({"ok": False, "error": traceback.format_exc()})


def writer_worker(
    repo: str, run_hash: str, first: int, stride: int, steps: int, barrier: Any, results: Any
) -> None:
    """Track steps first, first + stride, ... < steps of sequence "x" into the run run_hash."""
    try:
        from aim import Run

        run = Run(run_hash=run_hash, repo=repo)
        track = run.track
        barrier.wait(BARRIER_TIMEOUT_S)
        start = time.monotonic_ns()
        for step in range(first, steps, stride):
            track(step * 0.5, name="x", step=step)
        run.close()
        results.put({"ok": True, "start": start, "end": time.monotonic_ns()})
    except BaseException:
        results.put({"ok": False, "error": traceback.format_exc()})


# --- measurements -------------------------------------------------------------------------
def measure_latency(repo: Path, samples: int, hostile: int) -> dict[str, Any]:
    """Latency figures of one tracking process, while `hostile` processes send hostile queries."""
    from aim import Run

    seed = Run(repo=str(repo), experiment="seed")  # something for the queries to run over
    seed["hparams"] = {"lr": 0.1}
    seed.close()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(1 + hostile)
    done = ctx.Event()
    results = ctx.Queue()
    procs = [ctx.Process(target=latency_worker, args=(str(repo), samples, barrier, results), daemon=True)]
    procs += [
        ctx.Process(target=hostile_worker, args=(str(repo), barrier, done, results), daemon=True)
        for _ in range(hostile)
    ]
    reports: list[dict] = []
    try:
        for proc in procs:
            proc.start()
        reports.append(results.get(timeout=600))  # the latency worker ends first
        done.set()
        reports += [results.get(timeout=120) for _ in range(hostile)]
        for proc in procs:
            proc.join(60)
    finally:
        for proc in procs:  # only our own children, by their handle
            if proc.is_alive():
                proc.terminate()
                proc.join(10)
    failed = [r for r in reports if not r["ok"]]
    if failed:
        raise RuntimeError("a benchmark worker failed:\n" + failed[0]["error"])
    [latency] = [r for r in reports if r["role"] == "latency"]
    hostiles = [r for r in reports if r["role"] == "hostile"]
    return {
        "ack_ms": {k: v / 1e6 for k, v in percentiles(latency["acks"]).items()},
        "unary_ms": {k: v / 1e6 for k, v in percentiles(latency["unary"]).items()},
        "hostile_sent": sum(r["sent"] for r in hostiles),
        "hostile_refused": sum(r["refused"] for r in hostiles),
    }


def measure_writers(repo: Path, writers: int, points: int) -> float:
    """points/s of `writers` processes tracking interleaved steps of one sequence of one run."""
    from aim import Run

    run = Run(repo=str(repo), experiment="bench-writers")
    run_hash = run.hash
    run.close()
    counter = iter(range(writers))
    reports = run_workers(
        writer_worker,
        lambda barrier, results: (str(repo), run_hash, next(counter), writers, points, barrier, results),
        writers,
    )
    elapsed = (max(r["end"] for r in reports) - min(r["start"] for r in reports)) / 1e9
    return points / elapsed


# --- the report -----------------------------------------------------------------------------
def _row(name: str, figures: dict[str, float]) -> str:
    return f"  {name:<34}" + "".join(f"{figures[k]:>10.2f}" for k in ("p50", "p90", "p99", "max"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=300, help="ack and unary samples per phase")
    parser.add_argument("--points", type=int, default=1_000_000, help="points per writer test")
    parser.add_argument("--tmp", default=None, help="folder for the temporary repositories")
    parser.add_argument("--keep", action="store_true", help="keep the repositories")
    args = parser.parse_args()
    repos = Repos(args.tmp or os.environ.get("TMPDIR", "/tmp"), args.keep)
    try:
        print(f"machine: {machine()}")
        alone = measure_latency(repos.new("alone"), args.samples, 0)
        hostile = measure_latency(repos.new("hostile"), args.samples, HOSTILE_PROCESSES)
        print(f"\nlatency of one tracking process, ms ({args.samples} samples each)")
        print(f"  {'':<34}{'p50':>10}{'p90':>10}{'p99':>10}{'max':>10}")
        print(_row("ack, alone", alone["ack_ms"]))
        print(_row(f"ack, {HOSTILE_PROCESSES} hostile queries", hostile["ack_ms"]))
        print(_row("SetParams, alone", alone["unary_ms"]))
        print(_row(f"SetParams, {HOSTILE_PROCESSES} hostile queries", hostile["unary_ms"]))
        ratio = hostile["ack_ms"]["p99"] / alone["ack_ms"]["p99"]
        print(
            f"  ack p99 under hostile queries / alone: {ratio:.2f}x "
            f"({hostile['hostile_sent']} hostile queries sent, {hostile['hostile_refused']} refused or ended)"
        )
        one = measure_writers(repos.new("one-writer"), 1, args.points)
        two = measure_writers(repos.new("two-writers"), 2, args.points)
        print(f"\nwriters into one sequence ({args.points} points)")
        print(f"  one writer:                    {one:>12,.0f} points/s")
        print(f"  two writers, interleaved steps: {two:>11,.0f} points/s  ({two / one:.2f}x one writer)")
    finally:
        repos.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
