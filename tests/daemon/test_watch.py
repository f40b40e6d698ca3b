"""The Watch stream: its bounded per-watcher buffer (the hub, on an event loop of its own) and,
through the SDK against a real daemon, points, props and deletions as they become durable."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest

from aim import Repo
from aim.errors import MissingRunError
from aimd.ingest.points import SeriesPoints
from aimd.service.watch import FELL_BEHIND, WATCH_BUFFER, Watcher, WatchHub
from aimd.storage.blocks import Columns
from tests.helpers import quiet_run


def _points(run_hash: str, step: int) -> SeriesPoints:
    cols = Columns(np.array([step]), np.array([float(step)]), np.array([np.nan]), np.array([1.0]))
    return SeriesPoints(run_hash, "loss", "{}", 2, cols)


def test_a_watcher_that_falls_behind_gets_a_notice_and_nothing_more():
    async def scenario() -> tuple[int, str, int]:
        hub = WatchHub()
        slow, other = Watcher(frozenset()), Watcher(frozenset({"b"}))
        hub.watchers |= {slow, other}
        for step in range(WATCH_BUFFER + 100):  # the slow watcher reads nothing
            hub.batch_durable([_points("a", step)], [])
        first = slow.queue.get_nowait()
        return slow.queue.qsize(), first.notice, other.queue.qsize()

    left, notice, other = asyncio.run(scenario())
    assert (left, notice) == (0, FELL_BEHIND)  # its buffer was dropped: only the notice
    assert other == 0  # a watcher of another run heard nothing


def test_points_props_and_deletion_reach_a_watcher(repo):
    with quiet_run(repo) as run:
        run.track(0.0, name="loss", step=0)
        watch = Repo(str(repo)).watch([run.hash])
        events: list[dict] = []
        done = threading.Event()

        def read() -> None:
            for event in watch:
                events.append(event)
            done.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        for step in range(1, 4):
            run.track(float(step), name="loss", step=step, context={"subset": "train"})
        run.name = "watched"
    assert Repo(str(repo)).delete_run(run.hash)
    assert done.wait(30), "the watch did not end after its run was deleted"
    steps = [
        s for e in events for u in e["series"] if u["context"] == {"subset": "train"} for s in u["steps"]
    ]
    assert steps == [1, 2, 3]
    assert any(e["props"] and e["props"]["name"] == "watched" for e in events)
    assert any(e["props"] and not e["props"]["active"] for e in events)  # closed
    assert events[-2]["deleted"] and events[-1]["notice"] == f"run {run.hash} was deleted"


def test_watching_a_run_that_does_not_exist_is_refused(repo):
    with quiet_run(repo):
        pass
    with pytest.raises(MissingRunError, match="does not exist"):
        next(Repo(str(repo)).watch(["0123456789abcdef01234567"]))


CHILD = """
import sys, time
from aim import Run
run = Run(repo=sys.argv[1], system_tracking_interval=None, capture_terminal_logs=False)
run.track(1.0, name="loss", step=0)
print(run.hash, flush=True)
time.sleep(600)
"""


def _until_inactive(watch, timeout: float) -> dict:
    """The props of the first event saying the run is no longer active; AssertionError past
    timeout seconds (heartbeats every 2 s let the loop look at the clock)."""
    deadline = time.monotonic() + timeout
    for event in watch:
        if event["props"] and not event["props"]["active"]:
            return event["props"]
        assert time.monotonic() < deadline, "no event said the run stopped"
    raise AssertionError("the watch ended before an event said the run stopped")


def test_a_killed_tracker_is_heard_as_its_run_stops_being_active(repo):
    import subprocess
    import sys

    Repo(str(repo), init=True)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(repo)], stdout=subprocess.PIPE, text=True)
    try:
        run_hash = child.stdout.readline().strip()
        watch = Repo(str(repo)).watch([run_hash])
        first = next(watch)  # a heartbeat or the first point: the watch is in place
        assert first["run"] in ("", run_hash)
        child.kill()
        assert _until_inactive(watch, 60)["status"] == "crashed"
        watch.close()
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()


def test_a_run_left_running_by_a_killed_daemon_is_heard_as_crashed_after_restart(repo):
    """Daemon and tracker both die: the next daemon marks the run crashed once no client comes back
    (aimd.service.tracking.ATTACH_GRACE_S after it starts), and a watcher hears it."""
    import os
    import signal
    import subprocess
    import sys

    import psutil

    from tests.helpers import daemon_pid, wait_exited

    Repo(str(repo), init=True)  # this process's connection outlives the daemon: the watch reconnects
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(repo)], stdout=subprocess.PIPE, text=True)
    try:
        run_hash = child.stdout.readline().strip()
        child.send_signal(signal.SIGSTOP)  # frozen: it cannot start a new daemon or detach
        pid = daemon_pid(repo)
        assert pid is not None
        process = psutil.Process(pid)
        os.kill(pid, signal.SIGKILL)
        wait_exited(process)
    finally:
        child.kill()
        child.wait()
    watch = Repo(str(repo)).watch([run_hash])  # starts the next daemon
    assert _until_inactive(watch, 180)["status"] == "crashed"  # the grace (30 s) on a busy machine
    watch.close()
