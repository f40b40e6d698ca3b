"""Fixtures of the daemon's protocol tests (test_*_service.py): one daemon per module, started
with `aimd start` and stopped by PID; after every test the same daemon process must still serve a
normal SDK client (a Run tracks, closes and reads back)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import grpc
import pytest

from aim import Repo, Run
from aimproto.v1 import reading_pb2_grpc, tracking_pb2_grpc
from tests.daemon.helpers import UNLIMITED, Daemon
from tests.helpers import daemon_pid, release_repo


@pytest.fixture(scope="module")
def daemon(tmp_path_factory) -> Iterator[Daemon]:
    """A daemon (started with `aimd start`, stopped by PID) serving every test of one module."""
    repo = tmp_path_factory.mktemp("protocol") / "repo"
    repo.mkdir()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "aimd", "start", "--repo", str(repo)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        address = (repo / ".aim" / "aimd.addr").read_text().strip()
        channel = grpc.insecure_channel(address, options=UNLIMITED)
        yield Daemon(
            repo,
            daemon_pid(repo),
            channel,
            tracking_pb2_grpc.TrackingStub(channel),
            reading_pb2_grpc.ReadingStub(channel),
        )
        channel.close()
    finally:
        release_repo(repo)


@pytest.fixture
def still_serves(daemon) -> Iterator[None]:
    """After the test: the same daemon process serves a normal client, end to end (the protocol
    tests use it on every test: `pytestmark = pytest.mark.usefixtures("still_serves")`)."""
    yield
    assert daemon_pid(daemon.repo) == daemon.pid
    with Run(repo=str(daemon.repo)) as run:
        for step in range(3):
            run.track(step * 1.5, name="ok", step=step)
    assert daemon_pid(daemon.repo) == daemon.pid  # answered by the same daemon, not a restarted one
    metric = Repo(str(daemon.repo)).get_run(run.hash).get_metric("ok")
    assert metric.values.sparse_list() == ([0, 1, 2], [0.0, 1.5, 3.0])
