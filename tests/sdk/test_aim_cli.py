"""`aim init`: creates the repository folder once, and Run() finds it from a subfolder."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aim import Repo, Run
from aim._model.discovery import find_repo
from aim.errors import RepoError


def _aim(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aim.cli.main", *args], capture_output=True, text=True, cwd=cwd
    )


def test_init_creates_the_repository_once(repo):
    first = _aim("init", "--repo", str(repo))
    assert first.returncode == 0 and "Initialized a new Aim repository" in first.stdout
    assert (repo / ".aim").is_dir()
    again = _aim("init", "--repo", str(repo), "--skip-if-exists")
    assert again.returncode == 0 and "already exists" in again.stdout


def test_init_in_an_unwritable_place_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = _aim("init", "--repo", str(blocker / "repo"))
    assert done.returncode == 1 and "cannot create a repository" in done.stderr


def test_run_uses_the_nearest_repository_upwards(repo, monkeypatch):
    """1. aim init in repo; 2. chdir into a subfolder; 3. Run() lands in repo's .aim."""
    assert _aim("init", "--repo", str(repo)).returncode == 0
    sub = repo / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert find_repo() == repo
    with Run() as run:
        run.track(1.0, name="x")
    assert (repo / ".aim" / "db").is_dir() and not (sub / ".aim").exists()


def test_repo_needs_an_existing_repository_unless_init(repo):
    with pytest.raises(RepoError, match="no Aim repository"):
        Repo(str(repo))
    assert list(Repo(str(repo), init=True).iter_runs()) == []
    assert (repo / ".aim").is_dir()
