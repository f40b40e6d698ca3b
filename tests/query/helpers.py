"""Helpers for the AimQL evaluator tests: runs and sequences built from plain dicts, no daemon.
(A module, not a conftest.py: fixtures go in conftest.py, shared functions in modules like this.)
"""

from __future__ import annotations

from typing import Any

from aimd.query import Query, RunView, SequenceView
from aimd.storage.reader import MISSING

CREATED = 1_600_000_000.0  # 2020-09-13 12:26:40 UTC


class FakeRun:
    """A run's data, and the RunView a query sees of it, recording what the view read."""

    def __init__(
        self, name: str, params: dict[str, Any], sequences: list[tuple[str, dict, dict]], **props: Any
    ):
        self.params = params
        self.sequences = sequences
        self.loaded: list[tuple[str, ...]] = []
        self.sequence_loads = 0
        self.props = {
            "hash": f"hash-{name}",
            "name": name,
            "description": "",
            "experiment": "default",
            "tags": [],
            "archived": False,
            "creation_time": CREATED,
            "end_time": CREATED + 600,
            "active": False,
            **props,
        }

    def load_param(self, path: tuple[str, ...]) -> Any:
        self.loaded.append(path)
        value: Any = self.params
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return MISSING
            value = value[key]
        return value

    def load_sequences(self) -> list[tuple[str, dict, dict]]:
        self.sequence_loads += 1
        return self.sequences

    def view(self) -> RunView:
        return RunView(self.props, self.load_param, self.load_sequences)


def info(values: list[float]) -> dict[str, Any]:
    return {
        "dtype": 1,
        "count": len(values),
        "first_step": 0,
        "last_step": len(values) - 1,
        "first_value": values[0],
        "last_value": values[-1],
        "min": min(values),
        "max": max(values),
    }


def losses() -> list[tuple[str, dict, dict]]:
    return [
        ("loss", {"subset": "train"}, info([3.0, 2.0, 1.0])),
        ("loss", {"subset": "test"}, info([4.0, 3.0, 2.5])),
    ]


def make_run(
    name: str = "run", params: dict[str, Any] | None = None, sequences=None, **props: Any
) -> FakeRun:
    return FakeRun(name, params or {}, losses() if sequences is None else sequences, **props)


def seeded() -> list[FakeRun]:
    """The three runs of Aim's search docs."""
    return [
        FakeRun(name, {"learning_rate": lr, "batch_size": batch}, losses())
        for name, lr, batch in (("run_1", 0.001, 32), ("run_2", 0.0007, 64), ("run_3", 0.005, 16))
    ]


def matching_runs(runs: list[FakeRun], text: str) -> list[str]:
    query = Query(text, "runs")
    return [run.props["name"] for run in runs if query.match_run(run.view())]


def matching_sequences(runs: list[FakeRun], text: str, target: str = "metric") -> list[tuple[str, str, str]]:
    """(run name, sequence name, subset) of every match, evaluated as the engine does."""
    query = Query(text, target)
    rows = []
    for run in runs:
        view = run.view()
        if not query.match_run(view):
            continue
        for name, context, seq_info in run.sequences:
            if query.match_sequence(view, SequenceView(name, context, seq_info, view)):
                rows.append((run.props["name"], name, context.get("subset", "")))
    return rows


def evaluate(text: str, params: dict[str, Any] | None = None, **props: Any) -> bool:
    """Whether a runs query matches one run with these params."""
    run = make_run(props.pop("name", "run"), params, **props)
    return Query(text, "runs").match_run(run.view())
