"""Soak benchmark: a team server's day in minutes. Does the daemon's memory stay bounded?

For --duration seconds, --writers processes each open a run, track --sequences sequences x
--steps steps into it and close it, over and over (a hyperparameter sweep of many runs), while
--readers processes query the repository (`metric.name == "m0" and run.i % 7 == 0`, with every
point of every match streamed back). With --restart-every the daemon is stopped (SIGTERM, by
PID) and started again that often: the writers' SDK replays what was not acknowledged.

Meanwhile the daemon's RSS, open file descriptors and threads are sampled; after the writers
stop, the daemon is left idle for --idle seconds and sampled on. Then every point of every run
the writers closed is read back and checked (count, order, values). Printed: the ingest rate,
the readers' queries and errors, the RSS curve (start, peak, end of the writing, after idling,
and how long it took to fall back under --idle-target-mb), fds and threads, and the check.

    python bench/bench_soak.py                         # 60 s, 4 writers x (5 x 10,000 steps)
    python bench/bench_soak.py --duration 600 --steps 1000000 --restart-every 120
    python bench/bench_soak.py --memory-limit 512M --json soak.json

The daemon is started with `aimd start` (with --memory-limit when given) in a fresh repository
under a temporary folder, and stopped by its PID at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import queue
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from harness import Repos, daemon_pid, machine, stop_daemon

QUERY = 'metric.name == "m0" and run.i % 7 == 0'
SAMPLE_EVERY_S = 0.5
NO_EXTRAS = {"system_tracking_interval": None, "capture_terminal_logs": False}
RUN_INDEX_STRIDE = 1_000_000  # run.i = writer * stride + its run count: unique per run


def value_of(step: int, sequence: int) -> float:
    return step * 0.5 + sequence


# --- workers (spawned interpreters) ---------------------------------------------------------------
def writer_worker(repo: str, index: int, deadline: float, sequences: int, steps: int, results: Any) -> None:
    """Churn runs until the deadline; report the closed runs' hashes and the points tracked."""
    try:
        from aim import Run

        names = [f"m{s}" for s in range(sequences)]
        hashes: list[str] = []
        started = time.time()
        count = 0
        while time.time() < deadline:
            run = Run(repo=repo, experiment="soak", **NO_EXTRAS)
            run["i"] = index * RUN_INDEX_STRIDE + count
            track = run.track
            for step in range(steps):
                for s, name in enumerate(names):
                    track(value_of(step, s), name=name, step=step)
            run.close()  # returns once the daemon acknowledged every point
            hashes.append(run.hash)
            count += 1
        elapsed = time.time() - started
        results.put(
            {
                "ok": True,
                "kind": "writer",
                "hashes": hashes,
                "points": count * sequences * steps,
                "seconds": elapsed,
            }
        )
    except BaseException:
        results.put({"ok": False, "kind": "writer", "error": traceback.format_exc()})


def reader_worker(repo: str, deadline: float, results: Any) -> None:
    """Query until the deadline, streaming every matching point; report queries, points, errors."""
    try:
        from aim._model.connection import target_of
        from aim._model.query import QueryReportMode, iter_query

        target = target_of(repo)
        queries = points = 0
        errors: list[str] = []
        longest = 0.0
        while time.time() < deadline:
            started = time.monotonic()
            try:
                for match in iter_query(
                    target,
                    "metric",
                    QUERY,
                    with_points=True,
                    values_only=True,
                    report_mode=QueryReportMode.DISABLED,
                ):
                    for sequence in match.sequences:
                        points += len(sequence["columns"]["steps"])
                queries += 1
            except Exception as exc:  # a reader error is a finding, not the end of the soak
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
                time.sleep(0.5)
            longest = max(longest, time.monotonic() - started)
        results.put(
            {
                "ok": True,
                "kind": "reader",
                "queries": queries,
                "points": points,
                "errors": errors,
                "longest_s": longest,
            }
        )
    except BaseException:
        results.put({"ok": False, "kind": "reader", "error": traceback.format_exc()})


# --- the daemon --------------------------------------------------------------------------------
def start_daemon(repo: Path, memory_limit: str | None) -> None:
    argv = [sys.executable, "-m", "aimd", "start", "--repo", str(repo)]
    if memory_limit:
        argv += ["--memory-limit", memory_limit]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"aimd start failed: {done.stderr.strip()}")


class Sampler:
    """Samples the repository's daemon (whichever PID its pidfile names now)."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.samples: list[dict[str, float]] = []
        self.t0 = time.monotonic()
        self._proc: Any = None
        self._cpu_of: dict[int, float] = {}  # CPU seconds (user + system) of each daemon process seen

    def cpu_seconds(self) -> float:
        """CPU seconds the repository's daemons used, as of the last sample (all of them, across
        restarts)."""
        return sum(self._cpu_of.values())

    def sample(self, phase: str) -> None:
        import psutil

        pid = daemon_pid(self.repo)
        if pid is None:
            return
        try:
            if self._proc is None or self._proc.pid != pid:
                self._proc = psutil.Process(pid)
            with self._proc.oneshot():
                rss = self._proc.memory_info().rss
                fds = self._proc.num_fds()
                threads = self._proc.num_threads()
                times = self._proc.cpu_times()
            self._cpu_of[pid] = times.user + times.system
        except psutil.Error:  # restarting right now
            return
        self.samples.append(
            {"t": time.monotonic() - self.t0, "rss": rss, "fds": fds, "threads": threads, "phase": phase}
        )

    def caches(self) -> dict[str, int] | None:
        """Each cache's bytes now, when the daemon reports them (aimd status); else None."""
        try:
            from aimd.service.stats import fetch
        except ImportError:  # a daemon from before GetDaemonStats
            return None
        try:
            address = (self.repo / ".aim" / "aimd.addr").read_text().split()[0]
        except (OSError, IndexError):
            return None
        stats = fetch(address)
        return None if stats is None else {cache.name: cache.bytes for cache in stats.caches}


# --- verification -------------------------------------------------------------------------------
def verify(repo: Path, hashes: set[str], sequences: int, steps: int) -> dict[str, Any]:
    """Read every point of every run in hashes back and check it; the mismatches (at most 10)."""
    import numpy as np

    from aim._model.connection import target_of
    from aim._model.query import QueryReportMode, iter_query

    expected_steps = np.arange(steps)
    problems: list[str] = []
    checked_runs = checked_points = 0
    for match in iter_query(
        target_of(str(repo)),
        "metric",
        "metric.name.startswith('m')",
        with_points=True,
        report_mode=QueryReportMode.DISABLED,
    ):
        run_hash = match.props["hash"]
        if run_hash not in hashes:
            continue  # a run a writer had not closed when the soak ended
        checked_runs += 1
        seen = set()
        for sequence in match.sequences:
            name = sequence["name"]
            seen.add(name)
            cols = sequence["columns"]
            s = int(name[1:])
            if not (
                np.array_equal(cols["steps"], expected_steps)
                and np.array_equal(cols["values"], expected_steps * 0.5 + s)
            ):
                problems.append(
                    f"run {run_hash} {name}: {len(cols['steps'])} points, not 0..{steps - 1} in order"
                )
            checked_points += len(cols["steps"])
        if seen != {f"m{s}" for s in range(sequences)}:
            problems.append(f"run {run_hash}: sequences {sorted(seen)}")
    missing = len(hashes) - checked_runs
    if missing:
        problems.append(f"{missing} closed runs not found")
    return {
        "runs": checked_runs,
        "points": checked_points,
        "problems": problems[:10],
        "problem_count": len(problems),
    }


# --- the soak ---------------------------------------------------------------------------------
def soak(args: argparse.Namespace, repos: Repos) -> dict[str, Any]:
    repo = repos.new("soak")
    start_daemon(repo, args.memory_limit)
    sampler = Sampler(repo)
    sampler.sample("start")
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    deadline = time.time() + args.duration
    procs = [
        ctx.Process(target=writer_worker, args=(str(repo), w, deadline, args.sequences, args.steps, results))
        for w in range(args.writers)
    ] + [ctx.Process(target=reader_worker, args=(str(repo), deadline, results)) for _ in range(args.readers)]
    reports: list[dict] = []
    restarts = 0
    next_restart = time.monotonic() + args.restart_every if args.restart_every else float("inf")
    try:
        for proc in procs:
            proc.start()
        hard_deadline = time.monotonic() + args.duration + args.grace
        while len(reports) < len(procs):
            sampler.sample("busy")
            if time.monotonic() >= next_restart and time.time() < deadline:
                stop_daemon(repo)
                start_daemon(repo, args.memory_limit)
                restarts += 1
                next_restart = time.monotonic() + args.restart_every
            try:
                while True:
                    reports.append(results.get(timeout=SAMPLE_EVERY_S))
            except queue.Empty:
                pass
            if time.monotonic() > hard_deadline:
                raise TimeoutError(f"workers did not finish within {args.grace:.0f} s of the end")
            if any(p.exitcode not in (None, 0) for p in procs) and results.empty():
                time.sleep(1)
                if results.empty() and len(reports) < len(procs):
                    raise RuntimeError(f"a worker died (exit codes {[p.exitcode for p in procs]})")
        for proc in procs:
            proc.join(60)
    finally:
        for proc in procs:  # our own children, by their handle (PID)
            if proc.is_alive():
                proc.terminate()
                proc.join(10)
    failed = [r for r in reports if not r["ok"]]
    if failed:
        raise RuntimeError("a worker failed:\n" + failed[0]["error"])
    sampler.sample("busy")
    writing_ended = sampler.samples[-1]["t"] if sampler.samples else 0.0
    daemon_cpu = sampler.cpu_seconds()
    caches_busy = sampler.caches()
    idle_start = time.monotonic()
    under_at = None
    while time.monotonic() - idle_start < args.idle:
        time.sleep(SAMPLE_EVERY_S)
        sampler.sample("idle")
        last = sampler.samples[-1]
        if under_at is None and last["phase"] == "idle" and last["rss"] < args.idle_target_mb * 2**20:
            under_at = time.monotonic() - idle_start
    caches_idle = sampler.caches()
    writers = [r for r in reports if r["kind"] == "writer"]
    readers = [r for r in reports if r["kind"] == "reader"]
    hashes = {h for r in writers for h in r["hashes"]}
    checked = verify(repo, hashes, args.sequences, args.steps) if not args.no_verify else None
    points = sum(r["points"] for r in writers)
    seconds = max((r["seconds"] for r in writers), default=0.0)
    return {
        "writers": args.writers,
        "readers": args.readers,
        "sequences": args.sequences,
        "steps": args.steps,
        "duration_s": args.duration,
        "restarts": restarts,
        "memory_limit": args.memory_limit,
        "runs": len(hashes),
        "points": points,
        "points_per_s": points / seconds if seconds else 0.0,
        "daemon_cpu_s": daemon_cpu,
        "daemon_cpu_us_per_point": daemon_cpu / points * 1e6 if points else 0.0,
        "queries": sum(r["queries"] for r in readers),
        "points_read": sum(r["points"] for r in readers),
        "reader_errors": [e for r in readers for e in r["errors"]],
        "longest_query_s": max((r["longest_s"] for r in readers), default=0.0),
        "samples": sampler.samples,
        "writing_ended_s": writing_ended,
        "idle_under_target_after_s": under_at,
        "idle_target_mb": args.idle_target_mb,
        "verify": checked,
        "caches_end_of_writing": caches_busy,
        "caches_idle": caches_idle,
    }


def curve(samples: list[dict], key: str) -> dict[str, float]:
    busy = [s[key] for s in samples if s["phase"] in ("start", "busy")]
    idle = [s[key] for s in samples if s["phase"] == "idle"]
    every = [s[key] for s in samples]
    return {
        "start": every[0] if every else 0,
        "peak": max(every, default=0),
        "end": busy[-1] if busy else 0,
        "idle": idle[-1] if idle else 0,
    }


def report(result: dict[str, Any]) -> str:
    mb = 2**20
    rss = curve(result["samples"], "rss")
    fds = curve(result["samples"], "fds")
    threads = curve(result["samples"], "threads")
    busy = [s for s in result["samples"] if s["phase"] == "busy"]
    points_of_curve = [busy[int(i * (len(busy) - 1) / 10)] for i in range(11)] if busy else []
    under = result["idle_under_target_after_s"]
    lines = [
        f"soak: {result['writers']} writers x ({result['sequences']} sequences x {result['steps']:,} steps "
        f"a run), {result['readers']} readers, {result['duration_s']:g} s, {result['restarts']} daemon "
        f"restarts, memory limit {result['memory_limit'] or 'default'}",
        f"machine: {machine()}, load average {os.getloadavg()[0]:.1f} (shared machines skew rates)",
        f"ingest: {result['runs']:,} runs closed, {result['points']:,} points, "
        f"{result['points_per_s'] / 1e6:.3f} M points/s aggregate; the daemon used "
        f"{result['daemon_cpu_s']:.0f} CPU s, {result['daemon_cpu_us_per_point']:.3f} us a point "
        "(queries included; less sensitive to the machine's load than the rate)",
        f"readers: {result['queries']} queries, {result['points_read']:,} points read, "
        f"{len(result['reader_errors'])} errors, longest query {result['longest_query_s']:.1f} s",
        f"daemon RSS: start {rss['start'] / mb:.0f} MB, peak {rss['peak'] / mb:.0f} MB, end of writing "
        f"{rss['end'] / mb:.0f} MB, after idling {rss['idle'] / mb:.0f} MB; under "
        f"{result['idle_target_mb']} MB "
        + (f"{under:.1f} s after going idle" if under is not None else "never while idle"),
        "RSS curve (MB, 10% steps of the writing): "
        + " ".join(f"{p['rss'] / mb:.0f}" for p in points_of_curve),
        f"fds: start {fds['start']:.0f}, peak {fds['peak']:.0f}, end {fds['end']:.0f}, "
        f"idle {fds['idle']:.0f}; "
        f"threads: start {threads['start']:.0f}, peak {threads['peak']:.0f}, end {threads['end']:.0f}, "
        f"idle {threads['idle']:.0f}",
    ]
    for when in ("end_of_writing", "idle"):
        caches = result[f"caches_{when}"]
        if caches:
            held = ", ".join(f"{name} {size / mb:.1f}" for name, size in caches.items())
            lines.append(f"caches at {when.replace('_', ' ')} (MB): {held}")
    for error in result["reader_errors"][:3]:
        lines.append(f"  reader error: {error}")
    checked = result["verify"]
    if checked is None:
        lines.append("verify: skipped (--no-verify)")
    else:
        verdict = "ok" if not checked["problem_count"] else f"{checked['problem_count']} PROBLEMS"
        lines.append(f"verify: {checked['runs']:,} runs, {checked['points']:,} points read back: {verdict}")
        lines.extend(f"  {problem}" for problem in checked["problems"])
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of writing (default 60)")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--readers", type=int, default=1)
    parser.add_argument("--sequences", type=int, default=5, help="sequences per run")
    parser.add_argument("--steps", type=int, default=10_000, help="steps per sequence and run")
    parser.add_argument(
        "--restart-every",
        type=float,
        default=0.0,
        metavar="S",
        help="stop and start the daemon this often (0: never)",
    )
    parser.add_argument("--idle", type=float, default=10.0, help="seconds to sample the idle daemon")
    parser.add_argument("--idle-target-mb", type=int, default=256, help="report when RSS falls under this")
    parser.add_argument("--memory-limit", default=None, help="aimd start --memory-limit (default: aimd's)")
    parser.add_argument("--grace", type=float, default=600.0, help="seconds a worker may run past the end")
    parser.add_argument("--no-verify", action="store_true", help="skip reading every point back")
    parser.add_argument("--parent", default=None, help="folder for the temporary repository")
    parser.add_argument("--keep", action="store_true", help="keep the repository")
    parser.add_argument("--json", type=Path, help="also write the figures (and every sample) here")
    args = parser.parse_args()
    repos = Repos(args.parent, args.keep)
    try:
        result = soak(args, repos)
    finally:
        repos.stop()
    print(report(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    failed = result["reader_errors"] or (result["verify"] and result["verify"]["problem_count"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
