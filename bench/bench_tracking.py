"""Tracking benchmark: throughput, track() latency, bytes on disk, and a raw LevelDB baseline.

One run prints one table:

* points/s of one process, and the aggregate points/s of N processes (default 4) writing one
  repository at once, each process tracking 10 metrics x 2 contexts. The clock starts right
  before the first track() and stops when run.close() returns, i.e. when the daemon has
  acknowledged every point (durable in its LevelDB store).
* track() latency p50 / p90 / p99 / max (microseconds), each call timed on its own with
  time.perf_counter_ns in a single process, after a warm-up.
* bytes on disk per point: the size of <repo>/.aim/db after tracking and stopping the daemon
  (raw, LevelDB's write-ahead log included), and again after a full compaction (steady state).
* the rate of writing the same points straight into LevelDB with plyvel, one key per point, in
  WriteBatches, and the ratio of our 1-process rate to it.

Every measurement runs in a fresh interpreter (multiprocessing, spawn), each in a fresh
repository under a temporary folder; every daemon started is stopped by its PID at the end.
The plumbing for that (repositories, daemons, workers, percentiles) is in harness.py.

    python bench/bench_tracking.py                 # the defaults (see --help)
    python bench/bench_tracking.py --points 200000 --processes 2 --json out.json
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import random
import shlex
import struct
import sys
import time
import traceback
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import (
    BARRIER_TIMEOUT_S,
    LEVELDB_OPTIONS,
    Repos,
    add_extras_switch,
    compact_all,
    daemon_cpu_clock,
    dir_bytes,
    machine,
    percentiles,
    run_options,
    run_workers,
    stop_daemon,
)

METRICS = 10
CONTEXTS: tuple[dict[str, str], ...] = ({"subset": "train"}, {"subset": "val"})
SERIES = METRICS * len(CONTEXTS)  # sequences tracked by every process

# What the figures are compared with (printed next to them; nothing fails on a miss).
TARGET_RATE_1 = 300_000.0  # points/s, one process
TARGET_RATE_N = 500_000.0  # points/s, aggregate of the multi-process case (4 processes)
TARGET_P50_US = 3.0
TARGET_BYTES_PER_POINT = 16.0


# --- the tracked data ---------------------------------------------------------------------
def metric_names() -> list[str]:
    return [f"metric_{i}" for i in range(METRICS)]


def loss_curve(steps: int, seed: int = 0) -> list[float]:
    """A loss-like series: exponential decay plus 2 % noise (the noise fills the low mantissa bits,
    as real metrics do, so the bytes-per-point figure is not flattered by a constant)."""
    rng = random.Random(seed)
    scale = max(steps, 1)
    return [2.0 * math.exp(-3.0 * s / scale) + 0.1 + 0.02 * rng.random() for s in range(steps)]


def track_points(track: Callable[..., None], first_step: int, steps: int, values: list[float]) -> int:
    """Track steps x SERIES points the way a training loop does; returns the number tracked."""
    names = metric_names()
    contexts = [dict(c) for c in CONTEXTS]
    for step in range(first_step, first_step + steps):
        value = values[step % len(values)]
        for context in contexts:
            for name in names:
                track(value, name=name, step=step, context=context)
    return steps * SERIES


# --- workers (each in a fresh spawned interpreter) -----------------------------------------
def throughput_worker(
    repo: str, points: int, warmup: int, barrier: Any, results: Any, profile: bool, seed: int
) -> None:
    """Track `points` points into a new run of repo; report when tracking started and close() returned.

    The warm-up goes into a separate run (and is not counted): it starts the daemon if needed,
    opens the connection and the sender, and warms both sides' code paths.
    """
    try:
        from aim import Run

        steps = points // SERIES
        values = loss_curve(max(steps, 1), seed)
        if warmup >= SERIES:
            warm = Run(repo=repo, experiment="bench-warmup", **run_options())
            track_points(warm.track, 0, warmup // SERIES, values)
            warm.close()
        run = Run(repo=repo, experiment="bench", **run_options())
        track = run.track
        daemon = daemon_cpu_clock(Path(repo))
        profiler = cProfile.Profile() if profile else None
        barrier.wait(BARRIER_TIMEOUT_S)
        daemon_cpu_start = daemon()
        cpu_start = time.process_time()  # this process, every thread (the SDK's sender included)
        # CLOCK_MONOTONIC is system-wide on Linux: comparable between the processes.
        start = time.monotonic_ns()
        if profiler is not None:
            profiler.enable()
        tracked = track_points(track, 0, steps, values)
        tracked_at = time.monotonic_ns()
        run.close()
        end = time.monotonic_ns()
        cpu_end = time.process_time()
        daemon_cpu_end = daemon()
        report: dict[str, Any] = {
            "ok": True,
            "pid": os.getpid(),
            "points": tracked,
            "start_ns": start,
            "tracked_ns": tracked_at,
            "end_ns": end,
            "cpu_s": cpu_end - cpu_start,
            "daemon_cpu_start_s": daemon_cpu_start,
            "daemon_cpu_end_s": daemon_cpu_end,
        }
        if profiler is not None:
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
            report["profile"] = text.getvalue()
        results.put(report)
    except BaseException:
        barrier.abort()  # release the other processes waiting at the barrier
        results.put({"ok": False, "pid": os.getpid(), "error": traceback.format_exc()})


def latency_worker(repo: str, calls: int, warmup: int, results: Any, seed: int) -> None:
    """Time `calls` individual track() calls (after `warmup` untimed ones) with perf_counter_ns."""
    try:
        from aim import Run

        steps = -(-calls // SERIES)
        warm_steps = warmup // SERIES
        values = loss_curve(warm_steps + steps, seed)
        run = Run(repo=repo, experiment="bench-latency", **run_options())
        track = run.track
        track_points(track, 0, warm_steps, values)

        names = metric_names()
        contexts = [dict(c) for c in CONTEXTS]
        samples = array("q", bytes(8 * steps * SERIES))
        pc = time.perf_counter_ns
        i = 0
        for step in range(warm_steps, warm_steps + steps):
            value = values[step]
            for context in contexts:
                for name in names:
                    t0 = pc()
                    track(value, name=name, step=step, context=context)
                    samples[i] = pc() - t0
                    i += 1
        run.close()

        # The cost of the timing itself (two perf_counter_ns calls and the store), for reference.
        empty = array("q", bytes(8 * len(samples)))
        for j in range(len(empty)):
            t0 = pc()
            empty[j] = pc() - t0

        results.put(
            {
                "ok": True,
                "calls": len(samples),
                "track_ns": percentiles(samples),
                "timer_ns": percentiles(empty),
            }
        )
    except BaseException:
        results.put({"ok": False, "pid": os.getpid(), "error": traceback.format_exc()})


def measure_throughput(repo: Path, processes: int, points: int, warmup: int, profile: bool) -> dict[str, Any]:
    reports = run_workers(
        throughput_worker,
        lambda barrier, results: (str(repo), points, warmup, barrier, results, profile, 0),
        processes,
    )
    stop_daemon(repo)
    total = sum(r["points"] for r in reports)
    daemon_cpu = max(r["daemon_cpu_end_s"] for r in reports) - min(r["daemon_cpu_start_s"] for r in reports)
    start = min(r["start_ns"] for r in reports)
    end = max(r["end_ns"] for r in reports)
    tracked = max(r["tracked_ns"] for r in reports)
    seconds = (end - start) / 1e9
    return {
        "processes": processes,
        "points": total,
        "seconds": seconds,
        "rate": total / seconds,
        "close_wait_s": (end - tracked) / 1e9,  # after the last track() until the last close() returned
        "per_process_rate": [r["points"] / ((r["end_ns"] - r["start_ns"]) / 1e9) for r in reports],
        # CPU time per point, over the timed window: the tracking processes (all their threads) and the daemon
        "client_cpu_us_per_point": sum(r["cpu_s"] for r in reports) / total * 1e6,
        "daemon_cpu_us_per_point": daemon_cpu / total * 1e6,
        "profile": next((r["profile"] for r in reports if "profile" in r), None),
    }


def measure_latency(repo: Path, calls: int, warmup: int) -> dict[str, Any]:
    (report,) = run_workers(latency_worker, lambda _b, results: (str(repo), calls, warmup, results, 1), 1)
    stop_daemon(repo)
    return report


def measure_disk(repo: Path, points: int) -> dict[str, Any]:
    """Track points (no warm-up run), stop the daemon, and size the db before and after compaction."""
    import plyvel

    (report,) = run_workers(
        throughput_worker, lambda barrier, results: (str(repo), points, 0, barrier, results, False, 2), 1
    )
    if stop_daemon(repo) is None:
        raise RuntimeError(f"no daemon pidfile in {repo}: cannot measure a stopped store")
    db_path = repo / ".aim" / "db"
    raw = dir_bytes(db_path)
    db = plyvel.DB(str(db_path), **LEVELDB_OPTIONS)
    try:
        compact_all(db)
    finally:
        db.close()
    compacted = dir_bytes(db_path)
    n = report["points"]
    return {
        "points": n,
        "raw_bytes": raw,
        "compacted_bytes": compacted,
        "raw_per_point": raw / n,
        "compacted_per_point": compacted / n,
    }


def measure_raw_leveldb(path: Path, points: int, batch_points: int) -> dict[str, Any]:
    """Write the points straight into a fresh LevelDB: key = u64 BE series id + u64 BE step,
    value = (value, epoch, timestamp) as three float64, in WriteBatches of batch_points."""
    import plyvel

    steps = points // SERIES
    values = loss_curve(max(steps, 1), 0)
    key = struct.Struct(">QQ").pack
    val = struct.Struct("<ddd").pack
    now = time.time
    nan = float("nan")
    db = plyvel.DB(str(path), create_if_missing=True, **LEVELDB_OPTIONS)
    try:
        start = time.perf_counter_ns()
        batch = db.write_batch()
        pending = 0
        for step in range(steps):
            value = values[step]
            for series in range(SERIES):
                batch.put(key(series, step), val(value, nan, now()))
                pending += 1
                if pending == batch_points:
                    batch.write()
                    batch.clear()
                    pending = 0
        if pending:
            batch.write()
        end = time.perf_counter_ns()
        compact_all(db)
    finally:
        db.close()
    n = steps * SERIES
    seconds = (end - start) / 1e9
    return {
        "points": n,
        "seconds": seconds,
        "rate": n / seconds,
        "batch_points": batch_points,
        "compacted_per_point": dir_bytes(path) / n,
    }


# --- report -----------------------------------------------------------------------------------
def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def _cpu(figures: dict[str, Any]) -> str:
    return f"{figures['client_cpu_us_per_point']:.2f} us / {figures['daemon_cpu_us_per_point']:.2f} us"


def render(results: dict[str, Any], args: argparse.Namespace) -> str:
    one, many, lat, disk, raw = (results.get(k) for k in ("one", "many", "latency", "disk", "raw"))
    rows: list[tuple[str, str, str, str]] = []

    def row(figure: str, value: str, target: str = "", verdict: str = "") -> None:
        rows.append((figure, value, target, verdict))

    if one:
        row(
            "throughput, 1 process",
            f"{one['rate']:,.0f} points/s",
            f">= {TARGET_RATE_1:,.0f}",
            _verdict(one["rate"] >= TARGET_RATE_1),
        )
        row(
            "  points / seconds / of which close()",
            f"{one['points']:,} / {one['seconds']:.2f} s / {one['close_wait_s']:.2f} s",
        )
        row("  CPU per point: tracking process / daemon", _cpu(one))
    if many:
        target = f">= {TARGET_RATE_N:,.0f}" if many["processes"] == 4 else ""
        row(
            f"throughput, {many['processes']} processes (aggregate)",
            f"{many['rate']:,.0f} points/s",
            target,
            _verdict(many["rate"] >= TARGET_RATE_N) if target else "",
        )
        row(
            "  points / seconds / of which close()",
            f"{many['points']:,} / {many['seconds']:.2f} s / {many['close_wait_s']:.2f} s",
        )
        row("  per process", ", ".join(f"{r:,.0f}" for r in sorted(many["per_process_rate"])) + " points/s")
        row("  CPU per point: tracking processes / daemon", _cpu(many))
    if lat:
        t = lat["track_ns"]
        row(
            "track() latency p50",
            f"{t['p50'] / 1000:.2f} us",
            f"<= {TARGET_P50_US:g} us",
            _verdict(t["p50"] / 1000 <= TARGET_P50_US),
        )
        row("track() latency p90", f"{t['p90'] / 1000:.2f} us")
        row("track() latency p99", f"{t['p99'] / 1000:.2f} us")
        row("track() latency max", f"{t['max'] / 1000:,.1f} us")
        timer = lat["timer_ns"]
        row(
            "  calls timed / timer overhead p50",
            f"{lat['calls']:,} / {timer['p50'] / 1000:.2f} us (included)",
        )
    if disk:
        row(
            "bytes on disk per point, compacted",
            f"{disk['compacted_per_point']:.2f} B",
            f"<= {TARGET_BYTES_PER_POINT:g} B",
            _verdict(disk["compacted_per_point"] <= TARGET_BYTES_PER_POINT),
        )
        row("bytes on disk per point, raw (log included)", f"{disk['raw_per_point']:.2f} B")
        row(
            "  points / db raw / db compacted",
            f"{disk['points']:,} / {disk['raw_bytes']:,} B / {disk['compacted_bytes']:,} B",
        )
    if raw:
        row(f"raw plyvel WriteBatch ({raw['batch_points']:,}/batch)", f"{raw['rate']:,.0f} points/s")
        row("  its bytes on disk per point, compacted", f"{raw['compacted_per_point']:.2f} B")
        if one:
            row("ours (1 process) / raw plyvel", f"{one['rate'] / raw['rate']:.2f}x")

    header = ("figure", "measured", "target", "")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = [
        "aim tracking benchmark",
        f"command: {results['command']}",
        f"machine: {results['machine']}",
        f"workload: {METRICS} metrics x {len(CONTEXTS)} contexts per process, float values "
        f"(loss-like curve + noise), explicit steps",
        "",
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if one and one.get("profile"):
        lines += [
            "",
            "cProfile of the 1-process tracking loop (main thread; figures above are unprofiled):",
            one["profile"].rstrip(),
        ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--points",
        type=int,
        default=1_000_000,
        help="points tracked by the 1-process case (also the disk and raw LevelDB cases)",
    )
    parser.add_argument(
        "--processes", type=int, default=4, help="processes of the multi-process case (0: skip)"
    )
    parser.add_argument(
        "--points-per-process",
        type=int,
        default=500_000,
        help="points tracked by each process of the multi-process case",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=20_000,
        help="untimed track() calls before timing (throughput: into a separate run)",
    )
    parser.add_argument("--latency-calls", type=int, default=200_000, help="track() calls timed one by one")
    parser.add_argument("--batch-points", type=int, default=10_000, help="points per raw plyvel WriteBatch")
    parser.add_argument("--repo-dir", default="/tmp", help="folder to make the temporary repositories in")
    parser.add_argument(
        "--keep", action="store_true", help="keep the repositories (daemons are still stopped)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run the 1-process case under cProfile and print the top functions",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    add_extras_switch(parser)
    args = parser.parse_args(argv)
    if args.points < SERIES or args.latency_calls < SERIES:
        parser.error(f"--points and --latency-calls must be at least {SERIES} (one step of every series)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = (
        shlex.join([sys.executable, *sys.argv]) if argv is None else shlex.join(["bench_tracking", *argv])
    )
    results: dict[str, Any] = {"command": command, "machine": machine()}
    repos = Repos(args.repo_dir, args.keep)
    try:
        step = "1-process throughput"
        results["one"] = measure_throughput(repos.new("one"), 1, args.points, args.warmup, False)
        if args.processes > 0:
            step = f"{args.processes}-process throughput"
            results["many"] = measure_throughput(
                repos.new("many"), args.processes, args.points_per_process, args.warmup, False
            )
        step = "track() latency"
        results["latency"] = measure_latency(repos.new("latency"), args.latency_calls, args.warmup)
        step = "bytes on disk"
        results["disk"] = measure_disk(repos.new("disk"), args.points)
        step = "raw plyvel"
        results["raw"] = measure_raw_leveldb(repos.new("raw") / "db", args.points, args.batch_points)
        if args.profile:
            step = "profiled 1-process run"
            profiled = measure_throughput(repos.new("profiled"), 1, args.points, args.warmup, True)
            results["one"]["profile"] = profiled["profile"]
    except Exception as exc:
        print(render(results, args))
        print(f"\nFAILED during {step}: {exc}", file=sys.stderr)
        return 1
    finally:
        repos.stop()
    print(render(results, args))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
