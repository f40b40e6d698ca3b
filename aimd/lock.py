"""Who owns a repository: an exclusive flock on its lock file, plus a pidfile for humans and `stop`.

The flock is the truth (the kernel drops it when the owner dies, however it dies); the pidfile
only names the owner and is written atomically after the lock is held.

Probing (is_locked) takes a shared flock for an instant. Probes never collide with each other,
but one may collide with a daemon taking the exclusive lock at that very moment, so acquire()
retries for a short while before it concludes that another daemon owns the repository.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

ACQUIRE_RETRY_S = 0.25  # how long a probe's instant hold may keep acquire() out
_RETRY_POLL_S = 0.005


class AlreadyRunning(Exception):
    """Another process holds the repository's lock."""

    def __init__(self, pid: int | None) -> None:
        super().__init__(f"another aimd (pid {pid}) owns this repository")
        self.pid = pid


def read_pid(pid_path: Path) -> int | None:
    try:
        return int(pid_path.read_text().strip())
    except (OSError, ValueError):
        return None


class RepoLock:
    def __init__(self, lock_path: Path, pid_path: Path) -> None:
        self.lock_path = lock_path
        self.pid_path = pid_path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock; AlreadyRunning if another process keeps it for ACQUIRE_RETRY_S."""
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + ACQUIRE_RETRY_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # A probe holds it for microseconds; a daemon holds it for good.
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise AlreadyRunning(read_pid(self.pid_path)) from None
                time.sleep(_RETRY_POLL_S)
        self._fd = fd
        tmp = self.pid_path.with_suffix(".pid.tmp")
        tmp.write_text(f"{os.getpid()}\n")
        os.replace(tmp, self.pid_path)

    def release(self) -> None:
        if self._fd is None:
            return
        if read_pid(self.pid_path) == os.getpid():
            self.pid_path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def is_locked(lock_path: Path) -> bool:
    """True while some process holds the lock (probes with a shared lock, without keeping it).

    A repository whose lock file cannot exist (no .aim folder, or .aim is not a folder) is not
    locked; other errors (permissions) propagate as OSError.
    """
    try:
        fd = os.open(lock_path, os.O_RDONLY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the shared lock, if it was taken
    return False
