"""Read your writes: in the process that tracked or set something, every later read sees it,
before any close(); other processes see what the daemon acknowledged."""

from __future__ import annotations

import numpy as np

from aim import Repo
from aim._transport.channel import Target
from aim._transport.sender import sender_for
from tests.helpers import quiet_run, run_python

POINTS = 20_000


def test_a_notebook_sees_what_it_tracked_without_closing(repo):
    run = quiet_run(repo, experiment="nb")
    run["hparams"] = {"lr": 0.1}
    for step in range(POINTS):
        run.track(float(step), name="loss", step=step, context={"subset": "train"})
    repo_view = Repo(str(repo))
    [metric] = list(repo_view.query_metrics('metric.name == "loss"'))
    assert len(metric.values.values_numpy()) == POINTS
    for step in range(POINTS, 2 * POINTS):
        run.track(float(step), name="loss", step=step, context={"subset": "train"})
    got = run.get_metric("loss", {"subset": "train"})
    assert got is not None and got.values.last() == (2 * POINTS - 1, 2 * POINTS - 1.0)
    run.track(1.0, name="acc", step=0)
    assert {m.name for m in run.metrics()} == {"loss", "acc"}
    run.track(2.0, name="acc", step=1)
    [stored] = [r for r in repo_view.iter_runs() if r.hash == run.hash]
    assert stored.get_metric("acc").values.last() == (1, 2.0)
    run.track(3.0, name="acc", step=2)
    assert repo_view.get_run(run.hash).get_metric("acc").values.last() == (2, 3.0)
    assert run["hparams", "lr"] == 0.1 and run.active and run.end_time is None
    run.close()


def test_a_query_of_runs_sees_the_sequences_tracked_before_it(repo):
    run = quiet_run(repo)
    run.track(np.float64(0.5), name="late", step=3)
    [found] = [r.run.hash for r in Repo(str(repo)).query_runs("run.metrics['late'].last == 0.5").iter_runs()]
    assert found == run.hash
    run.close()


def test_a_read_with_nothing_pending_does_not_touch_the_sender(repo):
    run = quiet_run(repo)
    run.track(1.0, name="x")
    run.close()
    sender = sender_for(Target(str(repo)))
    assert not sender.pending()
    assert Repo(str(repo)).get_run(run.hash).get_metric("x").values.last() == (0, 1.0)


def test_another_process_sees_what_the_daemon_acknowledged(repo):
    run = quiet_run(repo)
    for step in range(1000):
        run.track(float(step), name="loss", step=step)
    run.get_metric("loss")  # a read here: from now on the daemon has every point
    done = run_python(
        f"""
        from aim import Repo
        metric = Repo({str(repo)!r}).get_run({run.hash!r}).get_metric("loss")
        print(len(metric.values.values_numpy()))
        """
    )
    assert done.stdout.split() == ["1000"]
    run.close()
