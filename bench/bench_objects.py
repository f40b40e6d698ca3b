"""Objects benchmark: images/s, Image + track() latency, distributions/s, bytes on disk per image.

One run prints one table:

* images/s: one process tracks --images random 64x64 RGB uint8 images (`Image(array)` then
  `run.track(image, ...)`, a new array each step, made beforehand). The clock starts right before
  the first Image() and stops when run.close() returns, i.e. when every image is encoded (PNG),
  sent and durable in the daemon's store.
* latency p50 / p90 / p99 / max (microseconds) of `Image(array)` + `run.track(...)`, each call
  timed on its own with time.perf_counter_ns, after a warm-up: what the training thread pays.
* distributions/s: --distributions Distribution(samples of 1,000 floats) + track(), through
  close(); and, beside it, the rate of Distribution() alone (the histogram, in the caller's thread).
* bytes on disk per image: the images case's store after stopping the daemon (raw, LevelDB's log
  included), and after a full compaction; beside it the mean PNG size (the floor: the blob itself).
* the floor of the encoding work: PNG encodes per second on one thread, for the images case.

Every measurement runs in a fresh interpreter (multiprocessing, spawn), each in a fresh
repository under a temporary folder; every daemon started is stopped by its PID at the end.

    python bench/bench_objects.py                 # the defaults (see --help)
    python bench/bench_objects.py --images 2000 --json out.json
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shlex
import sys
import time
import traceback
from array import array
from pathlib import Path
from typing import Any

from harness import (
    BARRIER_TIMEOUT_S,
    LEVELDB_OPTIONS,
    Repos,
    compact_all,
    daemon_cpu_clock,
    dir_bytes,
    machine,
    percentiles,
    run_workers,
    stop_daemon,
)

SIDE = 64  # pixels: 64 x 64 RGB uint8 images
SAMPLES = 1000  # floats per distribution

# What the figures are compared with (printed next to them; nothing fails on a miss).
TARGET_IMAGES_PER_S = 3_000.0
TARGET_LATENCY_P50_US = 20.0
TARGET_DISTRIBUTIONS_PER_S = 20_000.0


def images(count: int, seed: int) -> Any:
    import numpy as np

    return np.random.default_rng(seed).integers(0, 256, (count, SIDE, SIDE, 3), dtype=np.uint8)


# --- workers (each in a fresh spawned interpreter) -----------------------------------------
def _warm_up(repo: str, warmup: int) -> None:
    """Start the daemon, the sender and its encoders, import PIL: into a separate run."""
    from aim import Run
    from aim.objects import Distribution, Image

    warm = Run(repo=repo, experiment="bench-warmup")
    for i, pixels in enumerate(images(warmup, 99)):
        warm.track(Image(pixels), name="warm", step=i)
        warm.track(Distribution(pixels.reshape(-1)[:SAMPLES].astype(float)), name="warm-d", step=i)
    warm.close()


def _reported(worker: Any) -> Any:
    """A worker that puts its figures on `results`, or its traceback (and breaks the barrier)."""

    @functools.wraps(worker)
    def run(repo: str, count: int, warmup: int, barrier: Any, results: Any) -> None:
        try:
            results.put({"ok": True, **worker(repo, count, warmup, barrier)})
        except BaseException:
            barrier.abort()
            results.put({"ok": False, "pid": os.getpid(), "error": traceback.format_exc()})

    return run


def _track_all(repo: str, name: str, values: Any, barrier: Any) -> dict[str, Any]:
    """Track values (a callable per step) into a new run, from the barrier until close() returns."""
    from aim import Run

    run = Run(repo=repo, experiment=f"bench-{name}")
    track = run.track
    daemon = daemon_cpu_clock(Path(repo))
    barrier.wait(BARRIER_TIMEOUT_S)
    daemon_start, cpu_start = daemon(), time.process_time()
    start = time.perf_counter_ns()
    for step, make in enumerate(values):
        track(make(), name=name, step=step)
    tracked = time.perf_counter_ns()
    run.close()
    end = time.perf_counter_ns()
    return {
        "seconds": (end - start) / 1e9,
        "close_wait_s": (end - tracked) / 1e9,
        "client_cpu_s": time.process_time() - cpu_start,
        "daemon_cpu_s": daemon() - daemon_start,
    }


@_reported
def images_worker(repo: str, count: int, warmup: int, barrier: Any) -> dict[str, Any]:
    from aim.objects import Image

    _warm_up(repo, warmup)
    arrays = images(count, 0)
    makers = (lambda a=a: Image(a) for a in arrays)  # Image() is timed: it is part of tracking one
    return {"images": count, **_track_all(repo, "images", makers, barrier)}


@_reported
def latency_worker(repo: str, calls: int, warmup: int, barrier: Any) -> dict[str, Any]:
    from aim import Run
    from aim.objects import Image

    _warm_up(repo, warmup)
    arrays = images(calls, 1)
    run = Run(repo=repo, experiment="bench-latency")
    track = run.track
    samples = array("q", bytes(8 * calls))
    pc = time.perf_counter_ns
    barrier.wait(BARRIER_TIMEOUT_S)
    for step in range(calls):
        t0 = pc()
        track(Image(arrays[step]), name="images", step=step)
        samples[step] = pc() - t0
    run.close()
    return {"calls": calls, "ns": percentiles(samples)}


@_reported
def distributions_worker(repo: str, count: int, warmup: int, barrier: Any) -> dict[str, Any]:
    import numpy as np

    from aim.objects import Distribution

    _warm_up(repo, warmup)
    samples = np.random.default_rng(2).standard_normal((count, SAMPLES))
    made = time.perf_counter_ns()
    for row in samples:
        Distribution(row)
    made = time.perf_counter_ns() - made
    makers = (lambda row=row: Distribution(row) for row in samples)
    figures = _track_all(repo, "weights", makers, barrier)
    return {"distributions": count, "construct_s": made / 1e9, **figures}


def measure(worker: Any, repo: Path, count: int, warmup: int) -> dict[str, Any]:
    (report,) = run_workers(worker, lambda barrier, results: (str(repo), count, warmup, barrier, results), 1)
    return report


def measure_disk(repo: Path, count: int) -> dict[str, Any]:
    """Size the images case's store (its daemon stopped), raw and fully compacted."""
    import plyvel

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
    return {"raw_bytes": raw, "compacted_bytes": compacted, "images": count}


def measure_encoding(count: int) -> dict[str, Any]:
    """One thread encoding the same kind of images to PNG (Image._record): the floor of the work."""
    from aim.objects import Image

    made = [Image(pixels) for pixels in images(count, 3)]
    made[0]._record()  # imports PIL
    start = time.perf_counter_ns()
    sizes = [len(image._record()[1]) for image in made]
    seconds = (time.perf_counter_ns() - start) / 1e9
    return {"rate": count / seconds, "png_bytes": sum(sizes) / count}


# --- report -----------------------------------------------------------------------------------
def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def render(results: dict[str, Any]) -> str:
    imgs, lat, dist, disk, enc = (
        results.get(k) for k in ("images", "latency", "distributions", "disk", "encoding")
    )
    rows: list[tuple[str, str, str, str]] = []

    def row(figure: str, value: str, target: str = "", verdict: str = "") -> None:
        rows.append((figure, value, target, verdict))

    if imgs:
        rate = imgs["images"] / imgs["seconds"]
        row(
            "images/s (64x64 RGB, PNG)",
            f"{rate:,.0f} images/s",
            f">= {TARGET_IMAGES_PER_S:,.0f}",
            _verdict(rate >= TARGET_IMAGES_PER_S),
        )
        row(
            "  images / seconds / of which close()",
            f"{imgs['images']:,} / {imgs['seconds']:.2f} s / {imgs['close_wait_s']:.2f} s",
        )
        row(
            "  CPU per image: tracking process / daemon",
            f"{imgs['client_cpu_s'] / imgs['images'] * 1e6:,.0f} us / "
            f"{imgs['daemon_cpu_s'] / imgs['images'] * 1e6:,.0f} us",
        )
    if enc:
        row("  floor: PNG encode on one thread", f"{enc['rate']:,.0f} images/s")
        if imgs:
            row("  ours / one-thread encode", f"{imgs['images'] / imgs['seconds'] / enc['rate']:.2f}x")
    if lat:
        t = lat["ns"]
        row(
            "Image(array) + track() p50",
            f"{t['p50'] / 1000:.2f} us",
            f"<= {TARGET_LATENCY_P50_US:g} us",
            _verdict(t["p50"] / 1000 <= TARGET_LATENCY_P50_US),
        )
        row("Image(array) + track() p90", f"{t['p90'] / 1000:.2f} us")
        row("Image(array) + track() p99", f"{t['p99'] / 1000:.2f} us")
        row("Image(array) + track() max", f"{t['max'] / 1000:,.1f} us")
        row("  calls timed", f"{lat['calls']:,}")
    if dist:
        rate = dist["distributions"] / dist["seconds"]
        row(
            "distributions/s (1,000 floats each)",
            f"{rate:,.0f} /s",
            f">= {TARGET_DISTRIBUTIONS_PER_S:,.0f}",
            _verdict(rate >= TARGET_DISTRIBUTIONS_PER_S),
        )
        row(
            "  distributions / seconds / of which close()",
            f"{dist['distributions']:,} / {dist['seconds']:.2f} s / {dist['close_wait_s']:.2f} s",
        )
        row(
            "  Distribution() alone (caller's thread)",
            f"{dist['distributions'] / dist['construct_s']:,.0f} /s",
        )
        row(
            "  CPU per distribution: tracking process / daemon",
            f"{dist['client_cpu_s'] / dist['distributions'] * 1e6:,.1f} us / "
            f"{dist['daemon_cpu_s'] / dist['distributions'] * 1e6:,.1f} us",
        )
    if disk:
        n = disk["images"]
        row("bytes on disk per image, compacted", f"{disk['compacted_bytes'] / n:,.0f} B")
        row("bytes on disk per image, raw (log included)", f"{disk['raw_bytes'] / n:,.0f} B")
        if enc:
            row("  floor: mean PNG size", f"{enc['png_bytes']:,.0f} B")

    header = ("figure", "measured", "target", "")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = [
        "aim objects benchmark",
        f"command: {results['command']}",
        f"machine: {results['machine']}",
        f"workload: {SIDE}x{SIDE} RGB uint8 random images (PNG), distributions of {SAMPLES} normal floats",
        "",
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--images", type=int, default=5_000, help="images tracked by the images/s case")
    parser.add_argument(
        "--latency-calls", type=int, default=5_000, help="Image + track() calls timed one by one"
    )
    parser.add_argument("--distributions", type=int, default=5_000, help="distributions tracked")
    parser.add_argument(
        "--warmup", type=int, default=200, help="untimed images and distributions, into a separate run"
    )
    parser.add_argument(
        "--encode-sample", type=int, default=500, help="images encoded for the one-thread floor"
    )
    parser.add_argument("--repo-dir", default="/tmp", help="folder to make the temporary repositories in")
    parser.add_argument(
        "--keep", action="store_true", help="keep the repositories (daemons are still stopped)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    args = parser.parse_args(argv)
    if min(args.images, args.latency_calls, args.distributions, args.encode_sample) < 1:
        parser.error("counts must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = (
        shlex.join([sys.executable, *sys.argv]) if argv is None else shlex.join(["bench_objects", *argv])
    )
    results: dict[str, Any] = {"command": command, "machine": machine()}
    repos = Repos(args.repo_dir, args.keep)
    step = "start"
    try:
        step = "images/s"
        repo = repos.new("images")
        results["images"] = measure(images_worker, repo, args.images, args.warmup)
        step = "bytes on disk"
        results["disk"] = measure_disk(repo, args.images)
        step = "one-thread PNG encode"
        results["encoding"] = measure_encoding(args.encode_sample)
        step = "Image + track() latency"
        results["latency"] = measure(latency_worker, repos.new("latency"), args.latency_calls, args.warmup)
        step = "distributions/s"
        results["distributions"] = measure(
            distributions_worker, repos.new("distributions"), args.distributions, args.warmup
        )
    except Exception as exc:
        print(render(results))
        print(f"\nFAILED during {step}: {exc}", file=sys.stderr)
        return 1
    finally:
        repos.stop()
    print(render(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
