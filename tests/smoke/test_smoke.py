"""The smoke suite: what a new user does first, on an installed aim-tracker. `make test-pythons` runs
it on every other CPython 3.10+ the machine has (scripts/test_pythons.py); the main suite runs it too.

Several processes tracking into one repository (racing to start its daemon, and writing into one
shared run), an AimQL query, `aim runs ls`, and `aim up` answering HTTP. The programs are the
console scripts pip installed beside this interpreter."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from aim import Repo, Run

BIN = Path(sys.executable).parent  # the console scripts pip installed beside this interpreter
WORKERS = 3
STEPS = 50

WORKER = """
    import sys
    from aim import Run

    repo, shared_hash, rank = sys.argv[1], sys.argv[2], int(sys.argv[3])
    run = Run(repo=repo, experiment="smoke", system_tracking_interval=None)
    run["hparams"] = {{"rank": rank}}
    shared = Run(shared_hash, repo=repo, system_tracking_interval=None)
    for step in range({steps}):
        run.track(step * 0.5 + rank, name="loss", step=step, context={{"subset": "train"}})
        shared.track(float(rank), name="loss", step=step, context={{"rank": rank}})
    shared.close()
    run.close()
    print(run.hash)
"""


def _quiet_run(repo: Path) -> Run:
    return Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False)


@pytest.fixture
def tracked(repo: Path) -> tuple[Path, dict[int, str], str]:
    """WORKERS processes started at once, each tracking a run of its own and into one shared run:
    (the repository, rank -> its run's hash, the shared run's hash)."""
    with _quiet_run(repo) as shared:
        shared_hash = shared.hash
    code = textwrap.dedent(WORKER.format(steps=STEPS))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(repo), shared_hash, str(rank)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in range(WORKERS)
    ]
    hashes = {}
    for rank, proc in enumerate(procs):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"worker {rank} failed:\n{err}"
        hashes[rank] = out.strip()
    return repo, hashes, shared_hash


def test_processes_track_into_one_repository_and_a_query_finds_them(tracked):
    repo, hashes, shared_hash = tracked
    found = {
        metric.run.hash: metric.values.values_list()
        for metric in Repo(str(repo)).query_metrics(
            "metric.name == 'loss' and run.hparams.rank >= 1 and metric.context.subset == 'train'"
        )
    }
    assert found == {hashes[rank]: [step * 0.5 + rank for step in range(STEPS)] for rank in range(1, WORKERS)}
    shared = Repo(str(repo)).get_run(shared_hash)
    contexts = {
        metric.context.to_dict()["rank"]: metric.values.values_list()
        for metric in shared.metrics()
        if metric.name == "loss"
    }
    assert contexts == {rank: [float(rank)] * STEPS for rank in range(WORKERS)}


def test_aim_runs_ls_lists_the_runs(repo):
    with _quiet_run(repo) as run:
        run.track(1.0, name="loss")
    done = subprocess.run(
        [str(BIN / "aim"), "runs", "ls", "--json", "--repo", str(repo)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [listed["hash"] for listed in json.loads(done.stdout)] == [run.hash]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url: str, proc: subprocess.Popen, timeout: float = 120):
    """GET url as JSON once the server answers (polled until a deadline; fails if it exits)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as reply:
                return json.loads(reply.read())
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None, f"aim up exited with status {proc.returncode}"
            assert time.monotonic() < deadline, f"aim up did not answer {url} in {timeout:.0f} s"
            time.sleep(0.05)


def test_aim_up_answers_with_the_runs(repo):
    with _quiet_run(repo) as run:
        run.track(1.0, name="loss")
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN / "aim"), "up", "--repo", str(repo), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        runs = _get_json(f"http://127.0.0.1:{port}/api/runs", proc)
    finally:
        proc.terminate()  # by its PID
        proc.wait(timeout=60)
    assert run.hash in json.dumps(runs)
