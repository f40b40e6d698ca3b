"""Functions the tests share (fixtures are in conftest.py): daemon PIDs and stops, a fresh read of a
run, a Python snippet in a fresh interpreter, a quiet tracking Run, polling a condition."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

from aim import Repo, Run

ROOT = Path(__file__).resolve().parent.parent


def daemon_pid(repo: Path) -> int | None:
    try:
        return int((repo / ".aim" / "aimd.pid").read_text())
    except (OSError, ValueError):
        return None


def wait_exited(proc: psutil.Process, timeout: float = 30) -> None:
    """Wait until proc has exited. A daemon is not our child, and whoever reaps it may take a
    while: an exited process (zombie) counts as gone."""
    deadline = time.monotonic() + timeout
    try:
        while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
            if time.monotonic() > deadline:
                raise TimeoutError(f"pid {proc.pid} still runs after {timeout} s")
            time.sleep(0.005)
    except psutil.NoSuchProcess:
        pass


def stop_daemon(repo: Path, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Stop the repository's daemon by its PID and wait until the process has exited."""
    pid = daemon_pid(repo)
    if pid is None:
        return
    try:
        proc = psutil.Process(pid)
        proc.send_signal(sig)
    except psutil.NoSuchProcess:
        return
    try:
        wait_exited(proc, timeout)
    except TimeoutError:
        proc.kill()
        wait_exited(proc, timeout)


def release_repo(repo: Path) -> None:
    """Shut this process's SDK side down for repo (so nothing restarts its daemon), then stop the daemon."""
    from aim._transport.channel import Target
    from aim._transport.sender import close_sender

    close_sender(Target(str(repo)))
    stop_daemon(repo)


def reread(shared: Path, run: Run) -> Run:
    """The run as a fresh read-only view from the store."""
    return Repo(str(shared)).get_run(run.hash)


def start_daemon(repo: Path, *flags: str) -> None:
    """`aimd start --repo repo <flags>` in a fresh interpreter; fail the test if it does not serve."""
    started = subprocess.run(
        [sys.executable, "-m", "aimd", "start", "--repo", str(repo), *flags],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr


def run_python(code: str, *, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a Python snippet in a fresh interpreter; fail the test with its output if it fails."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, f"subprocess failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def quiet_run(repo: Path, **options) -> Run:
    """A tracking Run without system metrics or terminal capture (for tests whose subject is not
    their sequences)."""
    return Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False, **options)


def wait_for(condition, timeout: float = 30.0):
    """Poll condition() until it returns something true (returned); fail the test after timeout."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return value
