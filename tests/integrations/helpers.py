"""Shared by the framework tests: read a run back through Repo."""

from __future__ import annotations

from pathlib import Path

from aim import Repo, Run


def stored_runs(repo: Path) -> list[Run]:
    """The runs of repo, oldest first, read back from the store."""
    return list(Repo(str(repo)).iter_runs())


def only_run(repo: Path) -> Run:
    runs = stored_runs(repo)
    assert len(runs) == 1, [r.hash for r in runs]
    return runs[0]


def tracked(run: Run) -> list[tuple[str, dict]]:
    """(name, context) of the metrics the integration tracked: system metrics left out."""
    return [(m.name, m.context.to_dict()) for m in run.metrics() if not m.name.startswith("__system__")]


def series(run: Run, name: str, context: dict | None = None) -> tuple[list[int], list[float]]:
    """(steps, values) of a stored metric; AssertionError when the run has no such metric."""
    metric = run.get_metric(name, context or {})
    assert metric is not None, (
        f"no metric {name!r} {context} in {[(m.name, m.context) for m in run.metrics()]}"
    )
    steps, values = metric.values.sparse_numpy()
    return steps.tolist(), values.tolist()
