"""Shared plumbing of the benchmarks: repositories, daemons, spawned workers, figures.

* Repos: fresh repositories under one temporary folder; stop() stops every daemon they got,
  by the PID in <repo>/.aim/aimd.pid (never by name), and removes the folder unless kept.
* daemon_pid / stop_daemon / daemon_cpu_clock: a repository's daemon, by its pidfile.
* dir_bytes / compact_all / LEVELDB_OPTIONS: the size of a store, before and after a full
  compaction with aimd's own LevelDB options.
* run_workers: run a function in N spawned interpreters (multiprocessing, spawn) that meet at
  a shared Barrier, and collect the reports they put on a Queue.
* percentiles / machine: nearest-rank percentiles, and the machine line for a report header.
* add_extras_switch / run_options: --no-extras, Run()s without system metrics and terminal
  capture (both on by default, as in Aim), to tell their cost apart from the rest.

A benchmark script in this folder imports it as `import harness` (a script's own folder is on
sys.path, and spawned workers inherit the parent's sys.path), so functions run in workers must
live in the script or here, both importable in the child.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import platform
import queue
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

BARRIER_TIMEOUT_S = 180.0  # how long a worker waits at run_workers' barrier for the others
WORKER_TIMEOUT_S = 600.0  # how long run_workers waits for all reports
DAEMON_STOP_TIMEOUT_S = 30.0
NO_EXTRAS_ENV = "AIM_BENCH_NO_EXTRAS"  # set by --no-extras; spawned workers inherit it

# aimd opens its store with these LevelDB options (aimd/storage/store.py). Compaction rewrites
# tables with the options of whoever compacts, so the same compression (none: aimd compresses
# its blocks itself) must be used here, or the compacted size would not be aimd's.
LEVELDB_OPTIONS: dict[str, Any] = {
    "compression": None,
    "write_buffer_size": 64 * 2**20,
    "block_size": 64 * 2**10,
}


# --- what a benchmark's runs do besides tracking --------------------------------------------
def add_extras_switch(parser: Any) -> None:
    """Add --no-extras to an argparse parser; parsing it sets NO_EXTRAS_ENV for run_options()."""
    import argparse

    class _NoExtras(argparse.Action):
        def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
            os.environ[NO_EXTRAS_ENV] = "1"
            setattr(namespace, self.dest, True)

    parser.add_argument(
        "--no-extras",
        nargs=0,
        action=_NoExtras,
        default=False,
        help="runs without system metrics and terminal capture (on by default, as in Aim)",
    )


def run_options() -> dict[str, Any]:
    """Run() keyword arguments of every benchmark run, in this process or a spawned worker."""
    if os.environ.get(NO_EXTRAS_ENV) == "1":
        return {"system_tracking_interval": None, "capture_terminal_logs": False}
    return {}


# --- repositories and daemons -------------------------------------------------------------
def daemon_pid(repo: Path) -> int | None:
    try:
        return int((repo / ".aim" / "aimd.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def stop_daemon(repo: Path, timeout: float = DAEMON_STOP_TIMEOUT_S) -> int | None:
    """Stop the repository's daemon by the PID in its pidfile (SIGTERM, then SIGKILL); wait for it."""
    import psutil

    pid = daemon_pid(repo)
    if pid is None:
        return None
    try:
        proc = psutil.Process(pid)
        if "aimd" not in " ".join(proc.cmdline()):  # a stale pidfile naming a recycled PID
            return None
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    except psutil.NoSuchProcess:
        pass
    return pid


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def compact_all(db: Any) -> None:
    """Compact every key of a plyvel DB into its deepest level (dropping overwritten versions).

    plyvel's compact_range() without arguments passes empty keys (not NULL) to LevelDB, which
    then compacts the empty range and does nothing: name the first and the last key instead.
    """
    first = next(db.iterator(include_value=False), None)
    if first is None:
        return
    last = next(db.iterator(reverse=True, include_value=False))
    db.compact_range(start=first, stop=last)


class Repos:
    """Fresh repositories under one temporary folder; stop() stops every daemon they got."""

    def __init__(self, parent: str, keep: bool) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="aim-bench-", dir=parent))
        self.keep = keep
        self.made: list[Path] = []

    def new(self, name: str) -> Path:
        path = self.root / name
        path.mkdir()
        self.made.append(path)
        return path

    def stop(self) -> None:
        for repo in self.made:
            stop_daemon(repo)
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


def daemon_cpu_clock(repo: Path) -> Callable[[], float]:
    """A function returning the CPU seconds (user + system, all threads) the repo's daemon used so far."""
    import psutil

    pid = daemon_pid(repo)
    if pid is None:
        raise RuntimeError(f"no daemon pidfile in {repo}")
    proc = psutil.Process(pid)

    def used() -> float:
        times = proc.cpu_times()
        return times.user + times.system

    return used


# --- figures --------------------------------------------------------------------------------
def percentiles(samples: Iterable[int]) -> dict[str, int]:
    """Nearest-rank p50 / p90 / p99 and the maximum."""
    ordered = sorted(samples)
    n = len(ordered)

    def rank(p: float) -> int:
        return ordered[max(0, math.ceil(p / 100 * n) - 1)]

    return {"p50": rank(50), "p90": rank(90), "p99": rank(99), "max": ordered[-1]}


# --- orchestration --------------------------------------------------------------------------
def run_workers(target: Callable[..., None], args_of: Callable[[Any, Any], tuple], count: int) -> list[dict]:
    """Start count spawned processes (target(*args_of(barrier, results))) and collect their reports."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(count)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=args_of(barrier, results), daemon=True) for _ in range(count)]
    reports: list[dict] = []
    try:
        for proc in procs:
            proc.start()
        deadline = time.monotonic() + WORKER_TIMEOUT_S
        while len(reports) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"benchmark workers did not finish within {WORKER_TIMEOUT_S:.0f} s")
            try:
                reports.append(results.get(timeout=min(left, 1.0)))
            except queue.Empty:  # check that no worker died without a report (a crash)
                codes = [p.exitcode for p in procs]
                if any(code not in (None, 0) for code in codes) and results.empty():
                    barrier.abort()
                    raise RuntimeError(
                        f"a benchmark worker died without reporting (exit codes {codes})"
                    ) from None
        for proc in procs:
            proc.join(60)
    finally:
        for proc in procs:  # only our own children, by their Process handle (PID)
            if proc.is_alive():
                proc.terminate()
                proc.join(10)
    # A worker that fails aborts the barrier: report its error, not the others' BrokenBarrierError.
    failed = sorted((r for r in reports if not r["ok"]), key=lambda r: "BrokenBarrierError" in r["error"])
    if failed:
        raise RuntimeError("a benchmark worker failed:\n" + failed[0]["error"])
    return reports


def machine() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{os.cpu_count()} cores ({usable} usable), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}"
    )
