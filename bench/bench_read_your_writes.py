"""Read-your-writes benchmark: what a read costs for the wait on this process's tracked points.

    python bench/bench_read_your_writes.py [--reads 2000] [--points 100000] [--repeat 5]

Scenario (issue 10): one open run in a fresh repository.
  * A read with nothing pending (repo.get_run, a unary call): its median latency with the
    read-your-writes check (the sender's pending() test) against the same call with the check
    switched off (the client's behaviour before); the ratio should be ~1.00. Also the check alone.
  * A query issued right after tracking POINTS points without close(): its latency (the wait
    for those points to be acknowledged included), next to the same query once nothing is pending.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import harness

from aim import Repo, Run
from aim._model.query import QueryReportMode
from aim._transport.client import _nothing_pending, client_for
from aim._transport.sender import sender_for

QUIET = QueryReportMode.DISABLED
RECORD_BYTES = 32  # one buffered point (aim._tracking.buffers)


def read_latencies_us(repo: Repo, run_hash: str, reads: int, client, check) -> tuple[float, float]:
    """Median latency of repo.get_run with the check and without it, the two interleaved read by
    read so that drift in the machine's load hits both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(2 * reads):
        client.settle = check if i % 2 == 0 else _nothing_pending  # _nothing_pending: as before
        started = time.perf_counter()
        repo.get_run(run_hash)
        samples[i % 2].append(time.perf_counter() - started)
    client.settle = check
    return statistics.median(samples[0]) * 1e6, statistics.median(samples[1]) * 1e6


def query_s(repo: Repo) -> tuple[float, int]:
    started = time.perf_counter()
    count = sum(
        len(m.values.values_numpy()) for m in repo.query_metrics('metric.name == "loss"', report_mode=QUIET)
    )
    return time.perf_counter() - started, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(harness.machine())
    repos = harness.Repos(None, keep=False)
    try:
        path = repos.new("repo")
        run = Run(repo=str(path))
        run.track(1.0, name="warm")
        repo = Repo(str(path))
        client = client_for(repo._target)
        sender = sender_for(repo._target)
        repo.get_run(run.hash)  # settles: nothing is pending from here on
        with_check, without = [], []
        for _ in range(args.repeat):
            a, b = read_latencies_us(repo, run.hash, args.reads, client, sender.settle)
            with_check.append(a)
            without.append(b)
        started = time.perf_counter()
        for _ in range(args.reads):
            sender.settle()
        check_us = (time.perf_counter() - started) / args.reads * 1e6
        a, b = statistics.median(with_check), statistics.median(without)
        print(
            f"read with nothing pending (get_run, median of {args.repeat} x {args.reads} each, interleaved):"
        )
        print(f"  with the check {a:8.1f} us   without {b:8.1f} us   ratio {a / b:.3f}")
        print(f"  the check alone (Sender.settle, nothing pending): {check_us:.2f} us")

        pending_s, settled_s, buffered = [], [], []
        step = 0
        for _ in range(args.repeat):
            for _ in range(args.points):
                run.track(0.5, name="loss", step=step)
                step += 1
            buffered.append(sum(len(buffer.buf) for buffer in list(sender._buffers)) // RECORD_BYTES)
            elapsed, count = query_s(repo)
            assert count == step, f"the query saw {count} of {step} points"
            pending_s.append(elapsed)
            settled_s.append(query_s(repo)[0])
        p, s = statistics.median(pending_s), statistics.median(settled_s)
        print(
            f"query right after {args.points:,} unflushed points (median of {args.repeat}; the metric grows):"
        )
        print(
            f"  {p * 1e3:8.1f} ms   the same query with nothing pending {s * 1e3:8.1f} ms   "
            f"wait {max(p - s, 0) * 1e3:.1f} ms   (still in buffers when it began: median "
            f"{statistics.median(buffered):,.0f} points)"
        )
        run.close()
    finally:
        repos.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
