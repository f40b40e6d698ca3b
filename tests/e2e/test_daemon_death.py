"""The daemon dies under a tracking client: acknowledged points survive, the client carries on."""

from __future__ import annotations

import signal

import numpy as np
import psutil

from aim import Repo, Run
from tests.helpers import daemon_pid, wait_exited


def _stop(pid: int, sig: int) -> None:
    proc = psutil.Process(pid)
    proc.send_signal(sig)
    wait_exited(proc)


def test_sigterm_during_tracking_loses_nothing(repo):
    """1. track; 2. SIGTERM the daemon mid-run; 3. keep tracking (the client restarts the daemon
    and replays what was not acknowledged); 4. every point is there exactly once."""
    run = Run(repo=str(repo))
    first = daemon_pid(repo)
    for i in range(50_000):
        run.track(i, name="x")
        if i == 20_000:
            _stop(first, signal.SIGTERM)
    run.close()
    assert daemon_pid(repo) != first
    values = Repo(str(repo)).get_run(run.hash).get_metric("x").values.values_numpy()
    np.testing.assert_array_equal(values, np.arange(50_000))


def test_acknowledged_points_survive_kill_9(repo):
    """1. track and wait for the daemon's acknowledgement; 2. kill -9 the daemon; 3. a new daemon
    reads every acknowledged point."""
    run = Run(repo=str(repo))
    run["hparams"] = {"lr": 0.5}
    for i in range(30_000):
        run.track(i * 2, name="x", context={"k": 1})
    run._tracker.flush()  # returns once the daemon acknowledged: durable from here on
    _stop(daemon_pid(repo), signal.SIGKILL)

    stored = Repo(str(repo)).get_run(run.hash)
    assert stored["hparams"] == {"lr": 0.5}
    np.testing.assert_array_equal(
        stored.get_metric("x", {"k": 1}).values.values_numpy(), np.arange(30_000) * 2
    )
    run.close()
