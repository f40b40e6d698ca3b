"""A full disk: the daemon says so (errno in the status), reports Tracking NOT_SERVING, takes in
nothing it cannot write, and recovers by itself when space returns; no acknowledged point is lost
and none is written twice."""

from __future__ import annotations

import errno
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import psutil
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aim import Repo, Run
from aim.errors import AimError
from tests.helpers import daemon_pid, release_repo

TMPFS_BYTES = 96 << 20
POINTS = 200_000


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A repository on its own small tmpfs (needs root to mount one)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    repo = mount / "repo"
    repo.mkdir()
    try:
        yield repo
    finally:
        release_repo(repo)
        unmount(mount)


def unmount(mount: Path, timeout: float = 30.0) -> None:
    """umount, retried while the stopped daemon's last files are being released."""
    deadline = time.monotonic() + timeout
    while (done := subprocess.run(["umount", str(mount)], capture_output=True)).returncode != 0:
        assert time.monotonic() < deadline, f"cannot unmount {mount}: {done.stderr.decode().strip()}"
        time.sleep(0.1)


def fill(folder: Path) -> Path:
    """A ballast file that takes every free byte of folder's file system."""
    ballast = folder / "ballast"
    with open(ballast, "wb", buffering=0) as f:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return ballast


def tracking_health(repo: Path) -> int:
    with grpc.insecure_channel(f"unix://{repo / '.aim' / 'aimd.sock'}") as channel:
        request = health_pb2.HealthCheckRequest(service="aimproto.v1.Tracking")
        return health_pb2_grpc.HealthStub(channel).Check(request, timeout=10).status


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_disk_full_is_reported_bounded_and_recovered_without_losing_a_point(small_disk):
    repo = small_disk
    run = Run(repo=str(repo))
    for step in range(POINTS):
        run.track(float(step), name="x", step=step)
    sender = run._tracker.sender
    sender.wait(sender.flush(), timeout=60)  # acknowledged: on disk before it fills
    daemon = psutil.Process(daemon_pid(repo))
    ballast = fill(repo.parent)
    rss_before = daemon.memory_info().rss
    for step in range(POINTS, 4 * POINTS):  # 600k points the daemon cannot write yet
        run.track(float(step), name="x", step=step)
    last = sender.flush()
    wait_for(lambda: tracking_health(repo) == health_pb2.HealthCheckResponse.NOT_SERVING)
    with pytest.raises(AimError, match="ENOSPC"):  # a unary write is told why, with the errno
        run["hparams"] = {"lr": 0.1}
    # the client keeps replaying them; the daemon takes in nothing it cannot write
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        assert daemon.memory_info().rss - rss_before < 64 << 20
        time.sleep(0.1)
    assert tracking_health(repo) == health_pb2.HealthCheckResponse.NOT_SERVING
    ballast.unlink()  # space returns: the daemon recovers by itself, and the client's replay lands
    wait_for(lambda: tracking_health(repo) == health_pb2.HealthCheckResponse.SERVING)
    sender.wait(last, timeout=60)
    run["hparams"] = {"lr": 0.1}
    run.close()
    stored = Repo(str(repo)).get_run(run.hash)
    steps, values = stored.get_metric("x", {}).values.sparse_numpy()
    np.testing.assert_array_equal(steps, np.arange(4 * POINTS))  # every point, once
    np.testing.assert_array_equal(values, np.arange(4 * POINTS, dtype=float))
    assert stored["hparams"] == {"lr": 0.1}
