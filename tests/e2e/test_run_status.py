"""A run's status: running while a client has it open, finished once closed, crashed when its
last client went away without closing it; never left active by a killed client."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from aim import Repo, Run
from aim._model.connection import target_of as _target_of
from aim._model.query import QueryReportMode, iter_query
from tests.helpers import ROOT, wait_for

KILLED_TRACKER = """
import os, signal, sys
from aim import Run
run = Run(repo=sys.argv[1])
print(run.hash, flush=True)
for i in range(300_000):  # batches still queued, in this process and in the daemon, when it dies
    run.track(float(i), name="x", step=i)
os.kill(os.getpid(), signal.SIGKILL)
"""


def props_by_hash(repo) -> dict[str, dict]:
    rows = iter_query(_target_of(str(repo)), None, "", report_mode=QueryReportMode.DISABLED)
    return {match.props["hash"]: match.props for match in rows}


def test_a_client_killed_with_batches_queued_leaves_its_run_crashed(repo):
    finished = Run(repo=str(repo))
    finished.track(1.0, name="x")
    finished.close()
    running = Run(repo=str(repo))
    done = subprocess.run(
        [sys.executable, "-c", KILLED_TRACKER, str(repo)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    killed = done.stdout.split()[0]

    def ended() -> dict | None:
        props = props_by_hash(repo)[killed]
        return None if props["active"] else props

    props = wait_for(ended)
    assert props["status"] == "crashed" and props["end_time"] is not None
    statuses = {h: p["status"] for h, p in props_by_hash(repo).items()}
    assert statuses == {finished.hash: "finished", running.hash: "running", killed: "crashed"}
    found = iter_query(_target_of(str(repo)), None, "run.status == 'crashed' and not run.active")
    assert [match.props["hash"] for match in found] == [killed]
    assert Repo(str(repo)).delete_run(killed) is True  # no longer held open
    running.close()
    assert props_by_hash(repo)[running.hash]["status"] == "finished"
