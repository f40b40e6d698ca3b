"""Repo: a repository of runs, read through its daemon."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aim import _discovery
from aim._run import Run, _client, _target_of
from aim.errors import MissingRunError, RepoError


class Repo:
    """An Aim repository: the folder holding .aim, or a remote daemon at aim://host:port.

    Repo(path) opens an existing repository (RepoError if there is none; init=True creates it).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, read_only: bool | None = None, init: bool = False
    ) -> None:
        self.path = _discovery.resolve(path)
        self.read_only = bool(read_only)
        self.root_path = self.path
        is_remote = self.path.startswith(_discovery.REMOTE_SCHEME)
        if not is_remote and init:
            _discovery.init_repo(self.path)
        elif not is_remote and not (Path(self.path) / _discovery.AIM_DIR).is_dir():
            raise RepoError(f"no Aim repository at {self.path} (create one with `aim init` or init=True)")
        self._target = _target_of(self.path)
        _client(self._target)  # connect now: a daemon that cannot start is reported here

    @property
    def _client(self):
        return _client(self._target)

    @classmethod
    def from_path(cls, path: str, read_only: bool | None = None, init: bool = False) -> Repo:
        return cls(path, read_only=read_only, init=init)

    def get_run(self, run_hash: str) -> Run | None:
        """The run with this hash, or None."""
        try:
            props = self._client.get_run(run_hash)
        except MissingRunError:
            return None
        return Run._stored(self._target, props)

    def iter_runs(self) -> Iterator[Run]:
        """Every run, oldest first."""
        for props in self._client.list_runs():
            yield Run._stored(self._target, props)

    def list_all_runs(self) -> list[str]:
        return [run.hash for run in self.iter_runs()]

    def total_runs_count(self) -> int:
        return len(self._client.list_runs())

    def __repr__(self) -> str:
        return f"<Repo {self.path}>"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Repo) and other.path == self.path
