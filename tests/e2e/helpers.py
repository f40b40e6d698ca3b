"""Worker functions run in child processes by the multi-process tests (importable under spawn)."""

from __future__ import annotations

from aim import Run


def own_run(repo: str, barrier, rank: int, points: int, out) -> None:
    """Wait for every sibling, then create a run and track `points` steps of two metrics."""
    barrier.wait()
    run = Run(repo=repo, experiment="parallel")
    run["hparams"] = {"rank": rank}
    for step in range(points):
        run.track({"loss": step * 0.5 + rank, "acc": step}, step=step, context={"subset": "train"})
    run.close()
    out.put((rank, run.hash))


def shared_run(repo: str, run_hash: str, barrier, rank: int, points: int) -> None:
    """Attach to an existing run and track a per-rank context and a per-rank metric name."""
    barrier.wait()
    run = Run(run_hash, repo=repo)
    for step in range(points):
        run.track(float(step * 10 + rank), name="loss", step=step, context={"rank": rank})
        run.track(step, name=f"only_rank_{rank}", step=step)
    run.close()


def track_without_close(repo: str, points: int, out) -> None:
    """Track and return without close(): multiprocessing ends the child with os._exit."""
    run = Run(repo=repo)
    for step in range(points):
        run.track(step, name="x")
    out.put(run.hash)
