"""`aim query`: a table, JSON or CSV of what a query matches, and the points of metrics."""

from __future__ import annotations

import csv
import io
import json

from aim import Run
from tests.cli.helpers import aim


def _seed(repo) -> tuple[str, str]:
    hashes = []
    for lr in (0.1, 0.001):
        with Run(repo=str(repo)) as run:
            run["hparams"] = {"lr": lr}
            for step in range(3):
                run.track(lr * step, name="loss", step=step, context={"subset": "train"})
        hashes.append(run.hash)
    return hashes[0], hashes[1]


def test_query_prints_runs_sequences_and_points(repo):
    big, small = _seed(repo)
    table = aim("query", "run.hparams.lr < 0.01", "--repo", str(repo))
    assert table.returncode == 0 and small in table.stdout and big not in table.stdout
    assert table.stdout.splitlines()[-1] == "1 match."
    listed = json.loads(aim("query", "", "--json", "--repo", str(repo)).stdout)
    assert {r["hash"] for r in listed} == {big, small}
    metrics = aim(
        "query",
        "metric.name == 'loss' and run.hparams.lr > 0.01",
        "--type",
        "metrics",
        "--csv",
        "--repo",
        str(repo),
    )
    rows = list(csv.DictReader(io.StringIO(metrics.stdout)))
    assert [(r["run_hash"], r["name"], r["count"], r["last_value"]) for r in rows] == [
        (big, "loss", "3", "0.2")
    ]
    points = aim(
        "query",
        "metric.name == 'loss' and run.hparams.lr > 0.01",
        "--type",
        "metrics",
        "--values",
        "--repo",
        str(repo),
    )
    rows = list(csv.DictReader(io.StringIO(points.stdout)))
    assert [(r["step"], float(r["value"])) for r in rows] == [("0", 0.0), ("1", 0.1), ("2", 0.2)]
    assert json.loads(rows[0]["context"]) == {"subset": "train"}


def test_bad_queries_are_clear_errors(repo):
    _seed(repo)
    syntax = aim("query", "run.hparams.lr <", "--repo", str(repo))
    assert syntax.returncode == 1 and "invalid query" in syntax.stderr and "Traceback" not in syntax.stderr
    assert "(line 1, column 17)" in syntax.stderr  # ends too early: the column is its end, not 0
    unknown = aim("query", "nope.x == 1", "--repo", str(repo))
    assert unknown.returncode == 1 and "nope" in unknown.stderr
    values = aim("query", "", "--values", "--repo", str(repo))
    assert values.returncode == 2 and "--values needs --type metrics" in values.stderr
