"""Many processes, one repository: separate runs, one shared run, forks, and one daemon."""

from __future__ import annotations

import multiprocessing as mp
import os

import numpy as np

from aim import Repo, Run
from tests.e2e import helpers as workers  # functions its child processes run
from tests.helpers import run_python

SPAWN = mp.get_context("spawn")


def _join_all(procs) -> None:
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0, f"worker {proc.name} exited with {proc.exitcode}"


def test_eight_processes_each_with_its_own_run_and_one_daemon(repo):
    """1. 8 processes start at one moment and each creates a run (racing to start the daemon);
    2. all points land; 3. exactly one daemon ever served the repo."""
    barrier, out = SPAWN.Barrier(8), SPAWN.Queue()
    procs = [SPAWN.Process(target=workers.own_run, args=(str(repo), barrier, r, 2000, out)) for r in range(8)]
    for proc in procs:
        proc.start()
    _join_all(procs)
    hashes = dict(out.get(timeout=10) for _ in range(8))

    stored = Repo(str(repo))
    assert sorted(run.hash for run in stored.iter_runs()) == sorted(hashes.values())
    for rank, run_hash in hashes.items():
        run = stored.get_run(run_hash)
        assert run["hparams"] == {"rank": rank}
        loss = run.get_metric("loss", {"subset": "train"})
        np.testing.assert_array_equal(loss.values.values_numpy(), np.arange(2000) * 0.5 + rank)
        assert len(run.get_metric("acc", {"subset": "train"}).values) == 2000
    log = (repo / ".aim" / "aimd.log").read_text()
    assert log.count(" serving ") == 1, log


def test_four_processes_write_one_run(repo):
    """1. create a run; 2. four processes attach by hash and track at once; 3. every point lands."""
    with Run(repo=str(repo)) as run:
        run["hparams"] = {"world_size": 4}
    barrier = SPAWN.Barrier(4)
    procs = [
        SPAWN.Process(target=workers.shared_run, args=(str(repo), run.hash, barrier, r, 3000))
        for r in range(4)
    ]
    for proc in procs:
        proc.start()
    _join_all(procs)

    stored = Repo(str(repo)).get_run(run.hash)
    assert len([m for m in stored.metrics() if not m.name.startswith("__system__")]) == 8
    for rank in range(4):
        loss = stored.get_metric("loss", {"rank": rank})
        np.testing.assert_array_equal(loss.values.values_numpy(), np.arange(3000) * 10.0 + rank)
        assert stored.get_metric(f"only_rank_{rank}").values.indices_list() == list(range(3000))
    assert not stored.active


def _fork_and_wait(child) -> None:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            child()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_fork_after_import_tracks_in_the_child(repo):
    """1. the parent has imported aim and talked to the daemon; 2. a forked child makes its own run."""
    with Run(repo=str(repo)) as parent_run:
        parent_run.track(1.0, name="x")
    child_hash = repo / "child_hash"

    def child() -> None:
        run = Run(repo=str(repo))
        for i in range(1000):
            run.track(i, name="x")
        run.close()
        child_hash.write_text(run.hash)

    _fork_and_wait(child)
    stored = Repo(str(repo)).get_run(child_hash.read_text())
    assert stored.get_metric("x").values.values_list() == list(range(1000))


def test_fork_after_run_made_both_sides_keep_tracking(repo):
    """1. a run has buffered points; 2. fork; 3. the child tracks its own context into the same
    run object; 4. the parent goes on; 5. nothing is lost and nothing is doubled."""
    run = Run(repo=str(repo))
    for i in range(100):
        run.track(i, name="x", context={"who": "parent"})

    def child() -> None:
        for i in range(500):
            run.track(i, name="x", context={"who": "child"})
        run.close()

    _fork_and_wait(child)
    for i in range(100, 200):
        run.track(i, name="x", context={"who": "parent"})
    run.close()
    stored = Repo(str(repo)).get_run(run.hash)
    assert stored.get_metric("x", {"who": "parent"}).values.values_list() == list(range(200))
    assert stored.get_metric("x", {"who": "child"}).values.values_list() == list(range(500))


def test_forked_child_exiting_normally_leaves_its_parents_runs_alone(repo):
    """1. a parent with an open run forks; 2. the child tracks its own run and exits through the
    normal exit path (atexit runs, inherited exit hooks included); 3. the parent's run is still
    open and the parent keeps tracking; 4. both runs hold all their points."""
    done = run_python(
        f"""
        import os, sys
        from aim import Repo, Run

        repo = {str(repo)!r}
        parent = Run(repo=repo)
        parent.track(1.0, name="x")
        pid = os.fork()
        if pid == 0:
            child = Run(repo=repo)
            for i in range(100):
                child.track(i, name="y")
            print("child", child.hash, flush=True)
            sys.exit(0)  # not os._exit: the exit hooks, inherited ones too, run here
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert Repo(repo).get_run(parent.hash).active, "the child closed its parent's run"
        parent.track(2.0, name="x")
        parent.close()
        print("parent", parent.hash, flush=True)
        """
    )
    hashes = dict(line.split() for line in done.stdout.split("\n") if line)
    stored = Repo(str(repo))
    assert stored.get_run(hashes["parent"]).get_metric("x").values.values_list() == [1.0, 2.0]
    child = stored.get_run(hashes["child"])
    assert child.get_metric("y").values.values_list() == list(range(100)) and not child.active
