"""Find the daemon serving a repository, starting one when none does.

Starting is race-safe: any number of processes may run `aimd start` at once; the daemons they
spawn compete for the repository's flock, one wins, and every `aimd start` waits until that one
serves. The SDK never imports aimd: it runs it as a program.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aim.errors import DaemonSetupError, DaemonUnavailable, RepoError
from aimproto.contract import AIM_DIR, AIMD_EXIT_NOT_INSTALLED

REMOTE_SCHEME = "aim://"
ADDRESS_FILE = "aimd.addr"
LOG_FILE = "aimd.log"
AUTO_IDLE_TIMEOUT_S = float(os.environ.get("AIM_DAEMON_IDLE_TIMEOUT", "300"))
START_TIMEOUT_S = 60.0


def address_of(repo: Path) -> str | None:
    """The gRPC target the repository's daemon last announced, if any."""
    try:
        return (repo / AIM_DIR / ADDRESS_FILE).read_text().split("\n", 1)[0].strip() or None
    except OSError:
        return None


def start_daemon(repo: Path) -> str:
    """Run `aimd start` for repo and return the address it serves on."""
    aim_dir = repo / AIM_DIR
    try:
        aim_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RepoError(f"cannot create the repository at {aim_dir}: {exc.strerror}") from None
    if not os.access(aim_dir, os.W_OK):
        raise RepoError(f"the repository at {aim_dir} is not writable")
    argv = [sys.executable, "-m", "aimd", "start", "--repo", str(repo)]
    argv += ["--idle-timeout", str(AUTO_IDLE_TIMEOUT_S)]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=START_TIMEOUT_S, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        done = None
    if done is not None and done.returncode == AIMD_EXIT_NOT_INSTALLED:  # retrying cannot help
        raise DaemonSetupError(f"could not start aimd for {repo}: {done.stderr.strip()}")
    address = address_of(repo)
    if done is None or done.returncode != 0 or address is None:
        if done is None:
            said = f"`aimd start` did not finish within {START_TIMEOUT_S:.0f} s"
        else:
            said = (done.stderr or done.stdout).strip() or (
                f"`aimd start` exited with status {done.returncode}"
                if done.returncode
                else "the daemon it started announced no address (it exited, or was stopped)"
            )
        raise DaemonUnavailable(
            f"could not start aimd for {repo} ({said}); see its log at {aim_dir / LOG_FILE}"
        )
    return address


def is_serving(repo: Path) -> bool:
    """Whether a daemon serves repo now (`aimd status`: its lock is held)."""
    argv = [sys.executable, "-m", "aimd", "status", "--repo", str(repo)]
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=START_TIMEOUT_S, stdin=subprocess.DEVNULL
    )
    return done.returncode == 0


def stop_daemon(repo: Path) -> None:
    """Run `aimd stop` for repo (nothing to do when no daemon serves it)."""
    argv = [sys.executable, "-m", "aimd", "stop", "--repo", str(repo)]
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=START_TIMEOUT_S, stdin=subprocess.DEVNULL
    )
    if done.returncode not in (0, 4):  # 4: no daemon serves the repository
        raise RepoError(f"could not stop aimd for {repo}: {(done.stderr or done.stdout).strip()}")
