"""Who owns a repository: an exclusive flock on its lock file, plus a pidfile for humans and `stop`.

The flock is the truth (the kernel drops it when the owner dies, however it dies); the pidfile
only names the owner and is written atomically after the lock is held.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


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
        """Take the lock without waiting; AlreadyRunning if another process has it."""
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(read_pid(self.pid_path)) from None
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
    """True while some process holds the lock (probes without keeping it)."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
