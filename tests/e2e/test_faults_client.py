"""The SDK under faults, end to end: daemon kills while several processes attach to and track one
run, a daemon that stops answering at exit, a full disk, and an exception on the sender's
thread. No tracker hangs; what is lost is said; what was acknowledged is kept."""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import signal
import subprocess
import sys

import numpy as np
import psutil
import pytest

from aim import Repo, Run
from aim._transport import sender as sender_module
from aim._transport import stream as stream_module
from aim.errors import TrackingError
from tests.e2e import helpers as workers  # functions its child processes run
from tests.e2e import test_disk_full
from tests.helpers import ROOT, daemon_pid, wait_exited, wait_for

SPAWN = mp.get_context("spawn")
small_disk = test_disk_full.small_disk  # a fixture: a repository on its own small tmpfs
fill = test_disk_full.fill
TRACKERS = 4
POINTS = 20_000
KILLS = 8


def test_four_trackers_of_one_run_ride_through_repeated_daemon_kills(repo):
    """4 processes attach to one run by hash (Run(run_hash)) and track while the daemon is
    killed (SIGKILL) every half second: none fails, and every point is stored exactly once."""
    run = Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False)
    barrier = SPAWN.Barrier(TRACKERS + 1)
    procs = [
        SPAWN.Process(target=workers.shared_run, args=(str(repo), run.hash, barrier, rank, POINTS))
        for rank in range(TRACKERS)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()  # the trackers call Run(run_hash) now, while the kills begin
    kills = 0
    while kills < KILLS and any(proc.is_alive() for proc in procs):
        pid = daemon_pid(repo)
        if pid is not None and psutil.pid_exists(pid):
            daemon = psutil.Process(pid)
            daemon.send_signal(signal.SIGKILL)
            wait_exited(daemon)
            kills += 1
        procs[0].join(0.5)  # the trackers' pace: wait for the first one, for half a second at most
    for proc in procs:
        proc.join(300)
        assert proc.exitcode == 0, f"tracker {proc.name} exited with {proc.exitcode}"
    assert kills >= 2, "the trackers finished before the daemon could be killed twice: track more"
    run.close()
    stored = Repo(str(repo)).get_run(run.hash)
    for rank in range(TRACKERS):
        steps, values = stored.get_metric("loss", {"rank": rank}).values.sparse_numpy()
        np.testing.assert_array_equal(steps, np.arange(POINTS))  # none lost, none twice
        np.testing.assert_array_equal(values, np.arange(POINTS) * 10.0 + rank)
        steps, _ = stored.get_metric(f"only_rank_{rank}", {}).values.sparse_numpy()
        np.testing.assert_array_equal(steps, np.arange(POINTS))


EXIT_WITH_A_STOPPED_DAEMON = """
import os, signal, sys, time
from aim import Run
from aim.errors import TrackingError
run = Run(repo=sys.argv[1], system_tracking_interval=None, capture_terminal_logs=False)
run.track(0.0, name="x", step=0)
run._tracker.flush()  # acknowledged: durable
os.kill(int(sys.argv[2]), signal.SIGSTOP)  # the daemon no longer answers
refused, step, more = None, 0, 100_000
deadline = time.monotonic() + 240  # generous: a busy machine only makes the wait longer
# Track until the sender gives up on the daemon (past the 64 MiB it keeps unacknowledged and its
# wait for an ack): how many points that takes depends on how fast this machine is, so the loop
# waits for the refusal itself; then some more points, which the exit finds unacknowledged.
while more > 0 and time.monotonic() < deadline:
    for _ in range(10_000):
        step += 1
        try:
            run.track(float(step), name="x", step=step)
        except TrackingError as exc:
            refused = refused or exc
    if refused is not None:
        more -= 10_000
print("track() said:", refused, flush=True)
"""


def test_exit_with_an_unresponsive_daemon_ends_within_the_bound_and_says_what_was_lost(repo):
    Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False).close()
    daemon = psutil.Process(daemon_pid(repo))
    try:
        done = subprocess.run(
            [sys.executable, "-c", EXIT_WITH_A_STOPPED_DAEMON, str(repo), str(daemon.pid)],
            capture_output=True,
            text=True,
            timeout=300,  # the bound below is a few seconds: a hang fails here
            env={
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "AIM_DAEMON_RETRY_TIMEOUT": "3",
                "AIM_EXIT_TIMEOUT": "3",
            },
        )
    finally:
        daemon.send_signal(signal.SIGCONT)
    assert done.returncode == 0, done.stderr
    assert "track() said: some tracked points of this process were not stored: batch" in done.stdout
    dropped = r"dropped: \d+ MiB wait for the daemon, which acknowledged nothing for \d+ s"
    assert re.search(dropped, done.stdout)
    assert "aim: at exit, the daemon did not acknowledge" in done.stderr
    assert "; lost: " in done.stderr and " points, " in done.stderr
    steps, _ = Repo(str(repo)).get_run(_hash_of(repo)).get_metric("x", {}).values.sparse_numpy()
    assert steps[0] == 0 and (np.diff(steps) > 0).all()  # the acknowledged point kept, none twice


def _hash_of(repo) -> str:
    """The hash of the run the subprocess made (the newer of the repository's two runs)."""
    runs = sorted(Repo(str(repo)).iter_runs(), key=lambda run: run.creation_time)
    return runs[-1].hash


def test_disk_full_fails_close_after_the_bound_naming_the_cause_and_keeps_the_batches(
    small_disk, monkeypatch
):
    repo = small_disk
    run = Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False)
    for step in range(100_000):
        run.track(float(step), name="x", step=step)
    run._tracker.flush()  # acknowledged before the disk fills
    ballast = fill(repo.parent)
    for step in range(100_000, 300_000):
        run.track(float(step), name="x", step=step)
    monkeypatch.setattr(stream_module, "RETRY_TIMEOUT_S", 2.0)
    with pytest.raises(TrackingError, match=r"cannot write its store \(ENOSPC\)"):
        run.close()  # after 2 s without an acknowledgement, not never
    monkeypatch.setattr(stream_module, "RETRY_TIMEOUT_S", 120.0)
    ballast.unlink()  # space returns: the kept batches land
    run.close()
    steps, values = Repo(str(repo)).get_run(run.hash).get_metric("x", {}).values.sparse_numpy()
    np.testing.assert_array_equal(steps, np.arange(300_000))  # every point, once
    np.testing.assert_array_equal(values, np.arange(300_000, dtype=float))


def test_an_exception_on_the_batcher_is_raised_by_the_next_track(repo, monkeypatch):
    run = Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False)
    run.track(0.0, name="x", step=0)
    run._tracker.flush()
    real = sender_module.track_batch
    failed = []

    def track_batch_failing_once(series):
        if not failed:
            failed.append(True)
            raise RuntimeError("injected")
        return real(series)

    monkeypatch.setattr(sender_module, "track_batch", track_batch_failing_once)
    run.track(1.0, name="x", step=1)  # its batch fails on the batcher thread
    writer = run._tracker._by_id[("x", "{}")]
    wait_for(lambda: failed and writer.limit == 0)
    with pytest.raises(TrackingError, match=r"batching tracked points failed \(RuntimeError: injected\)"):
        run.track(2.0, name="x", step=2)
    run.track(3.0, name="x", step=3)
    run.close()  # the batcher lives on
    steps, _ = Repo(str(repo)).get_run(run.hash).get_metric("x", {}).values.sparse_numpy()
    np.testing.assert_array_equal(steps, [0, 2, 3])  # step 1 went with the failed batch, as said
