"""Demo: four processes track into one fresh repository at once, then everything is read back.

1. A temporary repository is created; nothing serves it yet.
2. Four 'spawn' workers and the parent pass one Barrier together, so all five race to start
   the repository's daemon; exactly one daemon wins and every process uses it.
3. The parent creates a shared run; each worker creates its own run (hparams, 3 metrics x
   2 contexts, with epochs) and also attaches to the shared run by hash, tracking with
   context {'rank': r}: several processes writing one run.
4. The parent reads every run back through Repo, prints a summary, and checks each sequence
   against what was tracked (exit code 1 on any mismatch).
5. An AimQL query, evaluated inside the daemon: the validation losses of the runs with
   lr >= 1e-3, streamed back with their points; checked against the same expectations.
6. The daemon is stopped by its PID and the repository removed (kept if a check failed).
   With --keep the repository stays, and the demo prints the `aim up` command that shows it
   in the web UI.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import shutil
import signal
import sys
import tempfile
import time

import psutil

from aim import Repo, Run
from aim.ext.resource.configs import AIM_RESOURCE_METRIC_PREFIX

WORKERS = 4
STEPS = 5000  # train points per metric and worker
VAL_EVERY = 10  # val points at every 10th step
EPOCH_STEPS = 1000
METRICS = ("loss", "acc", "grad_norm")
LRS = (1e-4, 3e-4, 1e-3, 3e-3)
TRAIN, VAL = {"subset": "train"}, {"subset": "val"}
ROW = "{:<26}{:<12}{:<12}{:<11}{:<22}{:>7}{:>10}{:>10}"


def value(metric: str, lr: float, step: int, subset: str = "train") -> float:
    """The value of a metric: deterministic, so the parent can recompute what was tracked."""
    decay = math.exp(-lr * step)
    gap = 0.1 if subset == "val" else 0.0
    if metric == "loss":
        return decay + gap
    if metric == "acc":
        return (1 - decay) * (1 - gap)
    return 5 * decay + (step % 7) / 10  # grad_norm


def expected(run: Run) -> dict[tuple[str, str], list[tuple[int, float]]]:
    """(metric, context) -> every (step, value) tracked into run."""
    if run.name == "shared":
        return {
            ("loss", str({"rank": r})): [(s, value("loss", lr, s)) for s in range(STEPS)]
            for r, lr in enumerate(LRS)
        }
    lr, out = run["hparams", "lr"], {}
    for ctx, steps in ((TRAIN, range(STEPS)), (VAL, range(0, STEPS, VAL_EVERY))):
        for m in METRICS:
            out[m, str(ctx)] = [(s, value(m, lr, s, ctx["subset"])) for s in steps]
    return out


def worker(rank: int, repo: str, start: mp.Barrier, shared_hash: mp.Queue) -> None:
    lr = LRS[rank]
    start.wait()
    with Run(repo=repo, experiment="demo") as run:  # close() returns once the daemon has it on disk
        run.name = f"worker-{rank}"
        run["hparams"] = {"lr": lr, "batch_size": 64, "rank": rank}
        shared = Run(run_hash=shared_hash.get(), repo=repo)  # attach to the run the parent created
        for step in range(STEPS):
            epoch = step // EPOCH_STEPS
            run.track({m: value(m, lr, step) for m in METRICS}, step=step, epoch=epoch, context=TRAIN)
            if step % VAL_EVERY == 0:
                val = {m: value(m, lr, step, "val") for m in METRICS}
                run.track(val, step=step, epoch=epoch, context=VAL)
            shared.track(value("loss", lr, step), name="loss", step=step, context={"rank": rank})
        shared.close()


def read_back(repo: str) -> tuple[int, list[str]]:
    """Print every run's sequences and compare them with what was tracked: (points, failures)."""
    runs, total, failures = list(Repo(repo).iter_runs()), 0, []
    if len(runs) != WORKERS + 1:
        failures.append(f"{len(runs)} runs stored, expected {WORKERS + 1}")
    print("\n" + ROW.format("run", "experiment", "hparams.lr", "metric", "context", "points", "last", "min"))
    for run in runs:
        want = expected(run)
        lr = "shared" if run.name == "shared" else f"{run['hparams', 'lr']:g}"
        metrics = sorted(run.metrics(), key=lambda m: (m.name, str(m.context)))
        system = [m for m in metrics if m.name.startswith(AIM_RESOURCE_METRIC_PREFIX)]
        if system:  # sampled by each process (Run's system_tracking_interval): shown, not checked
            print(
                f"{run.hash:<10} {len(system)} system metric sequences ({AIM_RESOURCE_METRIC_PREFIX}cpu, ...)"
            )
        for metric in (m for m in metrics if m not in system):
            steps, values = metric.values.sparse_list()
            total += len(steps)
            cells = (run.hash, run.experiment, lr, metric.name, str(metric.context), len(steps))
            print(ROW.format(*cells, f"{values[-1]:.4f}", f"{min(values):.4f}"))
            points = want.pop((metric.name, str(metric.context)), None)
            if points != list(zip(steps, values, strict=True)):
                failures.append(f"{run.name}: {metric.name} {metric.context} does not hold what was tracked")
        failures += [f"{run.name}: sequence {name} {context} is missing" for name, context in want]
    return total, failures


QUERY = 'metric.name == "loss" and metric.context.subset == "val" and run.hparams.lr >= 1e-3'


def query(repo: str) -> list[str]:
    """Step 5: run QUERY and check that it returns exactly the matching workers' curves."""
    print(f"\nquery_metrics({QUERY!r}):")
    failures, found = [], set()
    for metric in Repo(repo).query_metrics(QUERY):
        steps, values = metric.values.sparse_list()
        lr = metric.run["hparams", "lr"]
        found.add(metric.run.name)
        print(f"  {metric.run.name:<10} lr={lr:<8g} {metric.name} {metric.context}: {len(steps)} points")
        want = expected(metric.run)[metric.name, str(metric.context)]
        if want != list(zip(steps, values, strict=True)):
            failures.append(f"query: {metric.run.name} loss does not hold what was tracked")
    wanted = {f"worker-{r}" for r, lr in enumerate(LRS) if lr >= 1e-3}
    if found != wanted:
        failures.append(f"query matched runs {sorted(found)}, expected {sorted(wanted)}")
    return failures


def stop_daemon(repo: str) -> None:
    """SIGTERM the daemon named by the repository's pidfile and wait until it is gone."""
    try:
        with open(os.path.join(repo, ".aim", "aimd.pid")) as f:
            proc = psutil.Process(int(f.read()))
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    except (OSError, ValueError, psutil.NoSuchProcess):
        pass  # no pidfile, or the daemon already left


def track_all(repo: str) -> float:
    """Steps 2-3: start the workers together, run the shared run, wait for all; seconds taken."""
    ctx = mp.get_context("spawn")
    start, hashes = ctx.Barrier(WORKERS + 1, timeout=60), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(r, repo, start, hashes)) for r in range(WORKERS)]
    for p in procs:
        p.start()
    start.wait()  # every worker has imported aim and waits here: go
    t0 = time.perf_counter()
    with Run(repo=repo, experiment="demo") as shared:
        shared.name = "shared"
        shared["hparams"] = {"lr": LRS, "world_size": WORKERS}
        for _ in range(WORKERS):
            hashes.put(shared.hash)
        for p in procs:
            p.join()
    if any(p.exitcode for p in procs):
        raise SystemExit(f"worker exit codes {[p.exitcode for p in procs]}; repository kept at {repo}")
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Four processes track into one repository; all is read back."
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the repository and print how to see it (aim up)"
    )
    args = parser.parse_args(argv)
    repo = tempfile.mkdtemp(prefix="aim-demo-")
    print(f"repository: {repo}")
    try:
        elapsed = track_all(repo)
        total, failures = read_back(repo)
        failures += query(repo)
    finally:
        stop_daemon(repo)  # also when something above failed
    tracked = WORKERS * (len(METRICS) * (STEPS + len(range(0, STEPS, VAL_EVERY))) + STEPS)
    print(f"\n{total} points read back, {tracked} tracked in {elapsed:.2f} s (daemon start included)")
    print(f"{tracked / elapsed:,.0f} points/s, each acknowledged only once on disk")
    if failures:
        print("MISMATCH:\n  " + "\n  ".join(failures) + f"\nrepository kept at {repo}", file=sys.stderr)
        return 1
    if args.keep:
        print(f"every sequence matches what was tracked; daemon stopped, repository kept at {repo}")
        aim = os.path.join(os.path.dirname(sys.executable), "aim")
        print(f"see it in the web UI (needs the ui extra): {aim} up --repo {repo}")
        return 0
    shutil.rmtree(repo)
    print("every sequence matches what was tracked; daemon stopped, repository removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
