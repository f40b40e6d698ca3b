"""A repository whose blocks were written as format 1 (before format 2) reads, queries,
aggregates and takes new points as it did: its blocks are rewritten as format 1 in the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aim import Repo, Run
from aim._model.query import QueryReportMode, iter_query
from aim._transport.results import GroupStats
from aimd.query.engine import Engine, QuerySpec, SequenceMatch
from aimd.storage.blocks import BLOCK_POINTS, decode_block
from aimd.storage.reader import Reader
from aimd.storage.store import Store
from tests.helpers import release_repo
from tests.storage.test_blocks import encode_format_1

QUIET = {"system_tracking_interval": None, "capture_terminal_logs": False}
STEPS = BLOCK_POINTS + 904  # a full block and a tail


def read_all(repo: Path, hashes: list[str]) -> dict:
    """Every column of every metric, the values a query hands out, and the group statistics."""
    found: dict = {}
    for run_hash in hashes:
        run = Repo(str(repo)).get_run(run_hash)
        for name, context in (("loss", {}), ("seen", {"subset": "train"})):
            steps, columns = run.get_metric(name, context).data.numpy()
            found[run_hash, name] = [column.view("<u8").tolist() for column in (steps, *columns)]
    for metric in Repo(str(repo)).query_metrics("", report_mode=QueryReportMode.DISABLED):
        found["query", metric.run.hash, metric.name] = metric.values.sparse_numpy()[1].tolist()
    items = iter_query(
        Repo(str(repo))._target,
        "metric",
        'metric.name == "loss"',
        aggregate={"group_by": ["run.hparams.lr"], "line": "mean", "band": "std"},
        report_mode=QueryReportMode.DISABLED,
    )
    for group in items:
        if isinstance(group, GroupStats):
            stats = (group.steps, group.line, group.low)
            found["group", tuple(group.values)] = [column.tolist() for column in stats]
    return found


def block_formats(repo: Path, to_format_1: bool = False) -> list[int]:
    """The format of every stored block (its daemon stopped); to_format_1: rewrite them as format 1 first."""
    store = Store(repo / ".aim" / "db")
    try:
        if to_format_1:
            rewritten = {key: encode_format_1(*decode_block(raw)) for key, raw in store.scan(b"B")}
            store.write(rewritten, set())
        return [raw[0] for _, raw in store.scan(b"B")]
    finally:
        store.close()


def test_a_repository_of_format_1_blocks_reads_aggregates_and_appends_the_same(repo):
    """1. track runs (floats with epochs, ints); 2. read everything; 3. stop the daemon and rewrite
    every block as format 1; 4. everything reads back bit for bit the same; 5. points appended to a
    run whose tail block is format 1 join them (that block rewritten as format 2)."""
    rng = np.random.default_rng(3)
    hashes = []
    for i in range(4):
        with Run(repo=str(repo), **QUIET) as run:
            run["hparams"] = {"lr": [0.1, 0.01][i % 2]}
            for step, value in enumerate(np.cumsum(rng.normal(size=STEPS)).tolist()):
                run.track(value, name="loss", step=step, epoch=step // 1000)
                if step % 3 == 0:
                    run.track(step * 7, name="seen", step=step, context={"subset": "train"})
            hashes.append(run.hash)
    before = read_all(repo, hashes)
    assert {("group", (0.1,)), ("group", (0.01,))} <= set(before)
    assert len([key for key in before if key[0] == "query"]) == 8
    release_repo(repo)
    assert set(block_formats(repo)) == {2}
    assert set(block_formats(repo, to_format_1=True)) == {1}

    assert read_all(repo, hashes) == before

    with Run(run_hash=hashes[0], repo=str(repo), **QUIET) as run:
        for step in range(STEPS, STEPS + 10):
            run.track(float(step), name="loss", step=step, epoch=9)
    steps, (values, epochs, _) = Repo(str(repo)).get_run(hashes[0]).get_metric("loss", {}).data.numpy()
    assert steps.tolist() == list(range(STEPS + 10))
    assert values[:STEPS].view("<u8").tolist() == before[hashes[0], "loss"][1]
    assert values[STEPS:].tolist() == [float(s) for s in range(STEPS, STEPS + 10)]
    assert epochs[STEPS:].tolist() == [9.0] * 10
    release_repo(repo)
    assert set(block_formats(repo)) == {1, 2}  # the untouched blocks stay format 1


def test_values_only_queries_read_no_epochs_or_timestamps_unless_reduced(repo):
    """1. track a run; 2. over its store, a values_only query's blocks carry steps and values
    only (Columns.has_times false); 3. a full query's and a reduced (max_points) one's carry all."""
    with Run(repo=str(repo), **QUIET) as run:
        for step in range(STEPS):
            run.track(step * 0.5, name="loss", step=step, epoch=1)
    release_repo(repo)
    store = Store(repo / ".aim" / "db")
    try:
        for values_only, max_points, has_times in ((True, 0, False), (False, 0, True), (True, 100, True)):
            spec = QuerySpec(
                sequence_type="metric", with_points=True, values_only=values_only, max_points=max_points
            )
            (match,) = [m for m in Engine(Reader(store), spec) if isinstance(m, SequenceMatch)]
            blocks = list(match.blocks or ())
            assert {block.has_times for block in blocks} == {has_times}
            steps = np.concatenate([block.steps for block in blocks])
            if max_points:
                assert len(steps) <= max_points and steps[0] == 0 and steps[-1] == STEPS - 1
            else:
                assert steps.tolist() == list(range(STEPS))
    finally:
        store.close()
