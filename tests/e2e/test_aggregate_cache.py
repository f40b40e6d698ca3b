"""The daemon keeps aggregate replies (aimd.query.group_cache): the same view asked again is a
hit equal to the computed reply, and every write that could change the reply (a point tracked to
a member, a new matching run, a param that moves a run between groups, a deleted run) makes the
next ask a miss that sees the write. Each test works in an experiment of its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aim import Repo, Run
from aim._transport.results import GroupStats
from aim.tools import aggregate_metrics
from aimd.service import stats
from tests.helpers import quiet_run, start_daemon

STEPS = 20
LONG = 20_000
SPEC = {"group_by": ["run.hparams.lr"], "line": "mean", "band": "std"}


def fill(repo: Path, experiment: str, lrs: list[float]) -> list[Run]:
    """A closed run per lr, each with a train loss over STEPS steps; returns them."""
    runs = []
    for i, lr in enumerate(lrs):
        with quiet_run(repo, experiment=experiment) as run:
            run["hparams"] = {"lr": lr}
            for step in range(STEPS):
                run.track(lr * step + i, name="loss", step=step, context={"subset": "train"})
        runs.append(run)
    return runs


def groups(repo: Path, experiment: str, spec: dict = SPEC) -> dict[tuple, tuple]:
    """Each group's figures, by its values (comparable with ==)."""
    query = f'run.experiment == "{experiment}" and metric.name == "loss"'
    found = [g for g in aggregate_metrics(Repo(str(repo)), query, spec) if isinstance(g, GroupStats)]
    return {tuple(g.values): _figures(g) for g in found}


def _figures(group: GroupStats) -> tuple:
    arrays = (group.steps, group.line, group.low, group.high)
    return (
        sorted(group.run_hashes),
        group.curves,
        group.common_steps,
        *(np.asarray(a).tolist() for a in arrays),
    )


def cache(repo: Path):
    address = (repo / ".aim" / "aimd.addr").read_text().splitlines()[0]
    reply = stats.fetch(address)
    assert reply is not None
    [found] = [c for c in reply.caches if c.name == "aggregates"]
    return found


def asked_again(repo: Path, experiment: str, spec: dict = SPEC) -> tuple[dict, int, int]:
    """groups() and how many hits and misses it added."""
    before = cache(repo)
    found = groups(repo, experiment, spec)
    after = cache(repo)
    return found, after.hits - before.hits, after.misses - before.misses


def test_the_same_view_again_is_a_hit_equal_to_the_computed_reply(shared):
    fill(shared, "again", [0.1, 0.1, 0.2])
    first, hits, misses = asked_again(shared, "again")
    assert (hits, misses) == (0, 1)
    assert set(first) == {(0.1,), (0.2,)} and first[(0.1,)][1] == 2
    second, hits, misses = asked_again(shared, "again")
    assert (hits, misses) == (1, 0) and second == first
    other, hits, misses = asked_again(shared, "again", {**SPEC, "band": "minmax"})
    assert (hits, misses) == (0, 1) and other[(0.2,)][4:] == (
        first[(0.2,)][4],
    ) * 3  # one curve: low == high == line


def test_one_more_point_tracked_to_one_member_is_seen(shared):
    [*_, single] = fill(shared, "point", [0.1, 0.1])
    run = quiet_run(shared, experiment="point")  # stays open: no props change while it tracks
    run["hparams"] = {"lr": 0.5}
    for step in range(STEPS):
        run.track(float(step), name="loss", step=step, context={"subset": "train"})
    before, _, _ = asked_again(shared, "point")
    assert before[(0.5,)][3][-1] == STEPS - 1
    run.track(100.0, name="loss", step=STEPS, context={"subset": "train"})
    after, hits, misses = asked_again(shared, "point")
    assert (hits, misses) == (0, 1)
    assert after[(0.5,)][3][-1] == STEPS and after[(0.5,)][4][-1] == 100.0
    assert after[(0.1,)] == before[(0.1,)]
    again, hits, _ = asked_again(shared, "point")
    assert hits == 1 and again == after
    run.close()
    assert single.hash in before[(0.1,)][0]


def test_a_new_matching_run_is_seen(shared):
    fill(shared, "new", [0.1])
    before, _, _ = asked_again(shared, "new")
    fill(shared, "new", [0.3])
    after, hits, misses = asked_again(shared, "new")
    assert (hits, misses) == (0, 1) and set(after) == set(before) | {(0.3,)}


def test_a_param_change_that_moves_a_run_between_groups_is_seen(shared):
    _, moved = fill(shared, "param", [0.1, 0.2])
    before, _, _ = asked_again(shared, "param")
    assert set(before) == {(0.1,), (0.2,)}
    with Run(run_hash=moved.hash, repo=str(shared), system_tracking_interval=None) as run:
        run["hparams", "lr"] = 0.1
    after, hits, misses = asked_again(shared, "param")
    assert (hits, misses) == (0, 1)
    assert set(after) == {(0.1,)} and after[(0.1,)][1] == 2 and moved.hash in after[(0.1,)][0]


def test_a_deleted_run_is_seen(shared):
    _, gone = fill(shared, "deleted", [0.1, 0.2])
    before, _, _ = asked_again(shared, "deleted")
    assert set(before) == {(0.1,), (0.2,)}
    assert Repo(str(shared)).delete_run(gone.hash)
    after, hits, misses = asked_again(shared, "deleted")
    assert (hits, misses) == (0, 1) and set(after) == {(0.1,)}


def test_the_cache_stays_within_its_bound(repo):
    start_daemon(repo, "--memory-limit", "128M")  # the smallest: its share, 3.2 MiB, is the bound
    for lr in (0.1, 0.2):
        with quiet_run(repo, experiment="bound") as run:
            run["hparams"] = {"lr": lr}
            for step in range(LONG):
                run.track(float(step), name="loss", step=step)
    spec = {**SPEC, "group_by": ["run.hash"]}  # each reply about 1 MiB: 2 groups of LONG points
    for asked in range(1, 9):  # a different max_points: a different reply each time
        groups(repo, "bound", {**spec, "max_points": LONG - asked})
        found = cache(repo)
        assert 0 < found.bytes <= found.max_bytes
    assert found.entries < asked  # the least recently used went
