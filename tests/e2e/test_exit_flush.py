"""A process that never calls close() still delivers every point: at interpreter exit, and from
a multiprocessing child that leaves through os._exit."""

from __future__ import annotations

import multiprocessing as mp

from aim import Repo
from tests.e2e import helpers as workers  # functions its child processes run
from tests.helpers import run_python


def test_interpreter_exit_flushes_and_closes(repo):
    """1. a script tracks and exits without close(); 2. every point is stored; 3. the run is closed."""
    done = run_python(
        f"""
        from aim import Run
        run = Run(repo={str(repo)!r})
        for i in range(20000):
            run.track(i, name="x")
        print(run.hash)
        """
    )
    run = Repo(str(repo)).get_run(done.stdout.strip())
    assert run.get_metric("x").values.values_list() == list(range(20000))
    assert not run.active and run.end_time is not None


def test_multiprocessing_child_without_close_delivers(repo):
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=workers.track_without_close, args=(str(repo), 5000, out))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    run = Repo(str(repo)).get_run(out.get(timeout=10))
    assert run.get_metric("x").values.values_list() == list(range(5000))
