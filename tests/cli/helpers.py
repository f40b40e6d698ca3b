"""Running the installed `aim` program, and reading a run back whole to compare two copies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from aim import Distribution, Image, Repo, Run, Text

AIM = str(Path(sys.executable).with_name("aim"))  # the console script pip installed next to python


def aim(*args: str, input: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([AIM, *args], capture_output=True, text=True, input=input, cwd=cwd, timeout=300)


def make_run(repo: Path, *, points: int = 1000, name: str = "first") -> str:
    """A closed run with every kind of data: props, tags, params, int and float metrics with
    contexts and epochs, images (a list per step), a distribution and a text."""
    run = Run(repo=str(repo), experiment="exp")
    run.name = name
    run.description = "a run to copy"
    run.add_tag("keep")
    run["hparams"] = {"lr": 0.01, "layers": [64, 32], "shape": (3, 4), "nested": {"on": True, "none": None}}
    for step in range(points):
        run.track(step * 0.5, name="loss", step=step, epoch=step // 100, context={"subset": "train"})
        run.track(step, name="seen", step=step)
    for step in range(3):
        run.track(
            [Image(np.full((4, 4, 3), step * 40 + k, np.uint8), caption=f"c{k}") for k in range(2)],
            name="samples",
            step=step,
        )
    run.track(Distribution(samples=np.arange(100.0)), name="weights", step=0)
    run.track(Text("hello"), name="notes", step=7)
    run.close()
    return run.hash


def _plain(column: np.ndarray) -> list:
    """A column as a list in which NaN (no epoch) compares equal to itself."""
    return [None if x != x else x for x in column.tolist()]


def snapshot(repo: Path, run_hash: str) -> dict[str, Any]:
    """Everything stored for a run: props (but `active`), params, every sequence's points, and
    for object sequences their records and blob bytes."""
    client = Repo(str(repo))._client
    props = client.get_run(run_hash)
    props.pop("active")
    out: dict[str, Any] = {"props": props, "params": client.get_params(run_hash, []), "sequences": {}}
    for seq in client.list_sequences(run_hash):
        key = (seq["name"], seq["context"], seq["dtype"])
        if seq["dtype"] in ("int", "float"):
            cols = client.read_sequence(run_hash, seq["name"], seq["context"])
            out["sequences"][key] = {k: _plain(v) for k, v in cols.items()}
        else:
            objs = client.read_objects(run_hash, seq["name"], seq["context"])
            shas = [sha for point in objs["records"] for _, _, sha in point]
            out["sequences"][key] = {
                "steps": objs["steps"].tolist(),
                "epochs": _plain(objs["epochs"]),
                "timestamps": objs["timestamps"].tolist(),
                "records": objs["records"],
                "blobs": client.get_blobs(shas),
            }
    return out
