"""A run's artifacts (Aim's run.log_artifact & co.): files copied to a store, listed in the run.

Where: `run.set_artifacts_uri(uri)` (else the repository's default, `aimd start --artifacts-uri`);
an artifact lies at `<uri>/<run hash>/<name>` (aim._transfer.stores). What: the run's params keep
`__artifacts_uri` and `__artifacts` ({name: {name, path, uri, base_uri}}), where Aim keeps them
in its run metadata, so `aim convert aim3` brings Aim's listings over. An artifact is listed once
its upload completed: a listed artifact can always be downloaded.

Uploads run on a few background threads of this process, at most MAX_PENDING waiting (a further
log_artifact waits for room); close() waits for them within AIM_EXIT_TIMEOUT. An upload that
failed raises ArtifactError, naming the artifact, at the run's next artifact call or at close().
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aim._model import connection as _connection
from aim._transfer import stores
from aim.errors import ArtifactError

log = logging.getLogger("aim")

URI_KEY = "__artifacts_uri"  # the run's params: its artifacts' base uri, as set
LIST_KEY = "__artifacts"  # the run's params: {name: record} of uploaded artifacts
WORKERS = 4
MAX_PENDING = 32
_NO_URI = "run.artifacts_uri is None. Use run.set_artifacts_uri(...) to set this value"


def exit_timeout_s() -> float:
    return float(os.environ.get("AIM_EXIT_TIMEOUT", "60"))


class Artifact:
    """One logged artifact: its name, where it was (path), where it is (uri)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.name: str = record["name"]
        self.path: str = record["path"]
        self.uri: str = record["uri"]
        self.base_uri: str = record["base_uri"]

    def download(self, dest_dir: str | os.PathLike[str] | None = None) -> str:
        """Copy the artifact into dest_dir (a new temporary folder when None); the file's path."""
        try:
            return stores.download(self.base_uri, self.name, dest_dir)
        except (ValueError, ImportError, FileNotFoundError):
            raise
        except Exception as exc:
            message = f"artifact {self.name!r} could not be downloaded from {self.uri}: {exc}"
            raise ArtifactError(message) from exc

    def __repr__(self) -> str:
        return f"<Artifact {self.name!r} {self.uri}>"


def _record(path: Path, base_uri: str, name: str) -> dict[str, str]:
    return {"name": name, "path": path.as_posix(), "uri": stores.join(base_uri, name), "base_uri": base_uri}


class _Job:
    __slots__ = ("base_uri", "name", "path")

    def __init__(self, path: Path, base_uri: str, name: str) -> None:
        self.path, self.base_uri, self.name = path, base_uri, name


class Uploads:
    """A run's uploads: run in the caller (block=True) or on background threads; the records of
    completed ones go to `record`; failures wait for check()."""

    def __init__(self, record: Callable[[str, dict[str, str]], None]) -> None:
        self._record = record
        self._jobs: queue.Queue[_Job] = queue.Queue(MAX_PENDING)
        self._lock = threading.Condition()
        self._pending = 0
        self._failures: list[str] = []
        self._threads: list[threading.Thread] = []
        _watch(self)

    def upload(self, path: Path, base_uri: str, name: str, *, block: bool) -> None:
        job = _Job(path, base_uri, name)
        if block:
            error = self._run(job)
            if error:
                raise ArtifactError(error)
            return
        with self._lock:
            self._pending += 1
            if len(self._threads) < WORKERS and len(self._threads) < self._pending:
                thread = threading.Thread(target=self._work, name="aim-artifacts", daemon=True)
                self._threads.append(thread)
                thread.start()
        self._jobs.put(job)  # waits while MAX_PENDING uploads wait: memory and threads stay bounded

    def _run(self, job: _Job) -> str | None:
        try:
            stores.open_store(job.base_uri).upload(str(job.path), job.name)
            self._record(job.name, _record(job.path, job.base_uri, job.name))
        except Exception as exc:  # any failure is the artifact's: reported with its name
            return f"artifact {job.name!r} was not uploaded to {stores.join(job.base_uri, job.name)}: {exc}"
        return None

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            error = self._run(job)
            with self._lock:
                if error:
                    self._failures.append(error)
                self._pending -= 1
                self._lock.notify_all()

    def check(self) -> None:
        """Raise ArtifactError for the uploads that failed since the last check."""
        with self._lock:
            failures, self._failures = self._failures, []
        if failures:
            raise ArtifactError("; ".join(failures))

    def wait(self, timeout: float) -> bool:
        """Wait for pending uploads, at most timeout seconds; False when some are still pending."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def finish(self) -> None:
        """close(): wait within AIM_EXIT_TIMEOUT, then raise what failed or is still pending."""
        done = self.wait(exit_timeout_s())
        _live.discard(self)
        if not done:
            with self._lock:
                pending = f"{self._pending} artifact upload(s) still pending after AIM_EXIT_TIMEOUT"
                self._failures.append(pending)
        self.check()


_live: weakref.WeakSet[Uploads] = weakref.WeakSet()
_hooked: list[bool] = []


def _watch(uploads: Uploads) -> None:
    """Track a run's uploads for the exit hook (registered with the first one)."""
    if not _hooked:
        _hooked.append(True)
        atexit.register(_at_exit)
    _live.add(uploads)


def _at_exit() -> None:
    """A process that never closed its runs: wait for their uploads (AIM_EXIT_TIMEOUT in all) and
    log what failed or did not finish."""
    deadline = time.monotonic() + exit_timeout_s()
    for uploads in list(_live):
        if not uploads.wait(max(0.0, deadline - time.monotonic())):
            log.error("aim: artifact uploads still pending at exit after AIM_EXIT_TIMEOUT were dropped")
        try:
            uploads.check()
        except ArtifactError as exc:
            log.error("aim: %s", exc)


class RunArtifacts:
    """The artifacts side of one Run (the Run's artifact methods delegate here)."""

    def __init__(self, target: Any, run_hash: str) -> None:
        self._target, self._hash = target, run_hash
        self._uploads: Uploads | None = None

    def _client(self) -> Any:
        return _connection.client(self._target)

    def _param(self, key: str) -> Any:
        from aim.errors import MissingRunError

        try:
            return self._client().get_params(self._hash, (key,))
        except (KeyError, MissingRunError):
            return None

    @property
    def uri(self) -> str | None:
        base = self._param(URI_KEY) or self._client().artifacts_uri or None
        return None if base is None else stores.join(base, self._hash)

    def set_uri(self, uri: str) -> None:
        uri = stores.check_uri(uri, stacklevel=4)
        self._client().set_params(self._hash, (URI_KEY,), uri)

    def listing(self) -> dict[str, Artifact]:
        records = self._param(LIST_KEY) or {}
        return {name: Artifact(record) for name, record in records.items()}

    def _store_uri(self) -> str:
        uri = self.uri
        if uri is None:
            raise ValueError(_NO_URI)
        stores.scheme_of(uri)
        return uri

    def _uploader(self) -> Uploads:
        if self._uploads is None:
            target, run_hash = self._target, self._hash

            def record(name: str, value: dict[str, str]) -> None:
                _connection.client(target).set_params(run_hash, (LIST_KEY, name), value)

            self._uploads = Uploads(record)
        self._uploads.check()
        return self._uploads

    def log_file(self, path: str | os.PathLike[str], name: str | None, block: bool) -> None:
        source = _source(path)
        if source.is_dir():
            raise IsADirectoryError(f"{source} is a folder: log it with run.log_artifacts()")
        name = source.name if name is None else _name(name)
        uri = self._store_uri()
        self._uploader().upload(source, uri, name, block=block)

    def log_dir(self, path: str | os.PathLike[str], name: str | None, block: bool) -> None:
        source = _source(path)
        if not source.is_dir():
            raise NotADirectoryError(f"{source} is not a folder: log a file with run.log_artifact()")
        prefix = source.name if name is None else _name(name)
        uri = self._store_uri()
        uploads = self._uploader()
        for file in sorted(source.rglob("*")):
            if file.is_file():
                uploads.upload(file, uri, f"{prefix}/{file.relative_to(source).as_posix()}", block=block)

    def finish(self) -> None:
        if self._uploads is not None:
            self._uploads.finish()


def finish(artifacts: RunArtifacts | None) -> ArtifactError | None:
    """Run.close(): wait for the run's uploads (AIM_EXIT_TIMEOUT); the error to raise, if any."""
    if artifacts is None:
        return None
    try:
        artifacts.finish()
    except ArtifactError as exc:
        return exc
    return None


def _source(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"an artifact's path must be a str or a path, not {type(path).__name__}")
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"no file or folder at {source}: nothing to log as an artifact")
    return source.absolute()


def _name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"an artifact's name must be a str, not {type(name).__name__}")
    parts = name.split("/")
    if not name or any(part in ("", ".", "..") for part in parts) or "\x00" in name:
        raise ValueError(f"artifact name {name!r} must be a relative path without empty, '.' or '..' parts")
    return name
