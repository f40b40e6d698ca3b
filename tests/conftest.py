"""Fixtures: a temporary repository per test, and a clean stop of its daemon (by PID) afterwards.
The functions tests share are in tests/helpers.py; each area (tests/<area>/) has its own helpers.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from aim import Run
from tests.helpers import release_repo, stop_daemon


def _repo_folder(tmp_path: Path, name: str) -> Iterator[Path]:
    path = tmp_path / name
    path.mkdir()
    yield path
    release_repo(path)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    """An empty folder to use as a repository; its daemon (if any started) is stopped afterwards."""
    yield from _repo_folder(tmp_path, "repo")


@pytest.fixture
def dest(tmp_path: Path) -> Iterator[Path]:
    """A second empty folder (a destination repository); its daemon is stopped afterwards."""
    yield from _repo_folder(tmp_path, "dest")


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder this process cannot write into (skips as root, whom chmod does not stop)."""
    if os.geteuid() == 0:
        pytest.skip("root writes through chmod 0o500, so an unwritable folder cannot be made here")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)
    stop_daemon(folder)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A repository whose daemon serves every test of one module (for many small checks)."""
    path = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "repo"
    path.mkdir()
    yield path
    release_repo(path)


@pytest.fixture
def run(shared: Path) -> Iterator[Run]:
    """A fresh run in the module's shared repository, closed afterwards (without system metrics,
    which tests listing a run's sequences would find among them; tests/system covers those)."""
    run = Run(repo=str(shared), system_tracking_interval=None)
    yield run
    run.close()
