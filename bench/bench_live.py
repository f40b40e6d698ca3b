"""Live pages benchmark: what watching costs the writers, and how soon a page hears of a point.

Background load: one process tracks ACTIVE runs x METRICS metrics at HZ (the pages' runs). With
0, then WATCHERS pages open (each an `aim up` Server-Sent Events stream over every run, read as a
browser would), one more process tracks --points points of 10 metrics flat out; its rate
(points/s, clock stopped when run.close() returns: every point durable) is the tracking
throughput. Printed: both rates, their ratio (with / without), and the delay from track() to the
event reaching a page (p50 / p90 / max, ms: the SDK's batching, the daemon's durable write, the
Watch stream and the relay). Each configuration runs --repeat times, alternating, best kept.

    python bench/bench_live.py
    python bench/bench_live.py --points 100000 --watchers 5 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import harness

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the browser tests' helpers: aim up
from tests.web import helpers as browser  # noqa: E402

QUIET = {"system_tracking_interval": None, "capture_terminal_logs": False}


def background(repo: str, runs: int, metrics: int, hz: float, stop: Any) -> None:
    """runs x metrics tracked at hz until stop is set (the pages' active runs)."""
    from aim import Run

    opened = [Run(repo=repo, **QUIET) for _ in range(runs)]
    step = 0
    while not stop.is_set():
        started = time.monotonic()
        for run in opened:
            for m in range(metrics):
                run.track(float(step), name=f"m{m}", step=step)
        step += 1
        time.sleep(max(0.0, 1 / hz - (time.monotonic() - started)))
    for run in opened:
        run.close()


def flat_out(repo: str, points: int, out: Any) -> None:
    from aim import Run

    run = Run(repo=repo, **QUIET)
    started = time.perf_counter()
    for i in range(points // 10):
        for m in range(10):
            run.track(float(i), name=f"fast{m}", step=i)
    run.close()
    out.put(points / (time.perf_counter() - started))


class Page(threading.Thread):
    """One open page: reads the SSE stream of every run, noting each event's delay from track()."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.delays, self.events = url, [], 0
        self.stop = threading.Event()

    def run(self) -> None:
        with urllib.request.urlopen(f"{self.url}/api/live", timeout=60) as stream:
            for line in stream:
                if self.stop.is_set():
                    return
                if line.startswith(b'data: {"run"'):
                    now = time.time()
                    change = json.loads(line[6:])
                    self.events += 1
                    for series in change["series"]:
                        if series["times"]:
                            self.delays.append(now - series["times"][-1])


def measure(repo: Path, url: str, args: argparse.Namespace, watchers: int) -> tuple[float, list[float], int]:
    pages = [Page(url) for _ in range(watchers)]
    for page in pages:
        page.start()
    time.sleep(1.0)  # the pages connect and the background runs settle
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=flat_out, args=(str(repo), args.points, out))
    proc.start()
    rate = out.get(timeout=600)
    proc.join()
    for page in pages:
        page.stop.set()
    delays = [d for page in pages for d in page.delays]
    return rate, delays, sum(page.events for page in pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--watchers", type=int, default=5)
    parser.add_argument("--active", type=int, default=50)
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--hz", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    repos = harness.Repos(None, args.keep)
    repo = repos.new("live")
    from aim import Repo

    Repo(str(repo), init=True)
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    load = ctx.Process(target=background, args=(str(repo), args.active, args.metrics, args.hz, stop))
    load.start()
    proc, url = browser.serve(repo)
    try:
        best = {0: 0.0, args.watchers: 0.0}
        delays: list[float] = []
        events = 0
        for _ in range(args.repeat):
            for watchers in best:
                rate, got, seen = measure(repo, url, args, watchers)
                best[watchers] = max(best[watchers], rate)
                delays += got
                events += seen
    finally:
        stop.set()
        load.join(timeout=120)
        browser.stop(proc)
        repos.stop()
    print(f"background: {args.active} active runs x {args.metrics} metrics at {args.hz:g} Hz")
    print(f"tracking throughput, 0 pages watching:  {best[0]:>10,.0f} points/s")
    print(f"tracking throughput, {args.watchers} pages watching:  {best[args.watchers]:>10,.0f} points/s")
    print(f"ratio (with / without):               {best[args.watchers] / best[0]:>10.2f}")
    if delays:
        delays.sort()
        ms = [1000 * delays[int(q * (len(delays) - 1))] for q in (0.5, 0.9, 1.0)]
        print(
            f"track() to page event ({events} events): "
            f"p50 {ms[0]:.0f} ms, p90 {ms[1]:.0f} ms, max {ms[2]:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
