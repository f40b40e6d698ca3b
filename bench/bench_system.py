"""System tracking benchmark: what system metrics and terminal-log capture cost a training loop.

Prints two tables:

* tracking throughput (points/s, from the first track() until close() returns) of a loop that
  tracks `--metrics` metrics a step and prints a line every `--print-every` steps, with system
  metrics and log capture off, and on (sampling every `--interval` s: the default, 0.1, is the
  fastest Aim accepts, 100x the default rate), and their ratio (on / off; 1.00 = free). Each
  mode runs `--repeats` times in a fresh interpreter, alternating; the median run is reported.
* the sampler's cost: CPU time of one sample (psutil, and NVML where there is a driver), p50 /
  p90 / max over `--samples` samples, and the share of one core it takes at 10 s and at 0.1 s.

    python bench/bench_system.py
    python bench/bench_system.py --steps 50000 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import traceback

from harness import Repos, machine, percentiles, run_workers


def train(
    repo: str, steps: int, metrics: int, print_every: int, interval: float | None, capture: bool
) -> tuple[float, float]:
    """(points per second, points per CPU second of this process, all its threads) of a training
    loop (runs in a spawned worker; its stdout goes to /dev/null)."""
    from aim import Run

    sys.stdout = open("/dev/null", "w")  # noqa: SIM115 (a sink for the whole worker)
    run = Run(repo=repo, system_tracking_interval=interval, capture_terminal_logs=capture)
    names = [f"metric_{i}" for i in range(metrics)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for step in range(steps):
        for name in names:
            run.track(0.5, name=name, step=step)
        if step % print_every == 0:
            print(f"step {step}: loss 0.5")
    run.close()
    points = steps * metrics
    return points / (time.perf_counter() - started), points / (time.process_time() - cpu_started)


def _worker(barrier, results, repo, *args) -> None:
    try:
        barrier.wait()
        rate, cpu_rate = train(repo, *args)
        results.put({"ok": True, "rate": rate, "cpu_rate": cpu_rate})
    except BaseException:
        results.put({"ok": False, "error": traceback.format_exc()})


def throughput(args: argparse.Namespace, repos: Repos) -> None:
    modes = {"off": (None, False), "on": (args.interval, True)}
    reports: dict[str, list[dict]] = {mode: [] for mode in modes}
    for i in range(args.repeats):
        for mode, (interval, capture) in modes.items():
            repo = str(repos.new(f"{mode}{i}"))
            work = (repo, args.steps, args.metrics, args.print_every, interval, capture)
            reports[mode] += run_workers(_worker, lambda b, r, work=work: (b, r, *work), 1)

    def median(mode: str, figure: str) -> float:
        return statistics.median(report[figure] for report in reports[mode])

    off, on = median("off", "rate"), median("on", "rate")
    cpu_off, cpu_on = median("off", "cpu_rate"), median("on", "cpu_rate")
    print(
        f"tracking throughput, {args.steps} steps x {args.metrics} metrics, a line printed every "
        f"{args.print_every} steps, median of {args.repeats}"
    )
    print(f"  off (system_tracking_interval=None, capture_terminal_logs=False): {off:12,.0f} points/s")
    print(
        f"  on  (system_tracking_interval={args.interval}, capture_terminal_logs=True):  {on:12,.0f} points/s"
    )
    print(f"  ratio on / off: {on / off:.3f}")
    print("  per CPU second of the training process (all its threads; steadier on a busy machine):")
    print(f"    off {cpu_off:12,.0f}  on {cpu_on:12,.0f}  ratio on / off: {cpu_on / cpu_off:.3f}")


def sampler_cost(args: argparse.Namespace) -> None:
    from aim._tracking.system.readers import GpuReader, HostReader
    from aim._tracking.system.sampler import Sampler

    gpus = GpuReader()
    sampler = Sampler(lambda *a, **k: None, 10.0, {}, HostReader(), gpus)
    costs = []
    for _ in range(args.samples):
        started = time.thread_time_ns()
        sampler.sample()
        costs.append((time.thread_time_ns() - started) // 1000)
    gpus.close()
    figures = percentiles(costs)
    p50_s = figures["p50"] / 1e6
    print(
        f"sampler CPU per sample ({len(gpus.read()) if gpus.available else 0} GPUs seen), "
        f"{args.samples} samples, microseconds:"
    )
    print(f"  p50 {figures['p50']}  p90 {figures['p90']}  max {figures['max']}")
    print(
        f"  share of one core: {p50_s / 10 * 100:.4f} % at 10 s (default), {p50_s / 0.1 * 100:.3f} % at 0.1 s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--print-every", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the repositories")
    args = parser.parse_args()
    print(machine())
    repos = Repos(None, args.keep)
    try:
        throughput(args, repos)
    finally:
        repos.stop()
    sampler_cost(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
