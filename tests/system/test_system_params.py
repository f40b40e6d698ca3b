"""System params: secrets left out of the environment, credentials masked, git state read."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from aim._tracking.system.extras import process_context
from aim._tracking.system.params import environment_variables, git_info, installed_packages, system_params
from aim._values import params as _params


def test_variables_that_look_like_secrets_are_left_out():
    environ = {
        "HOME": "/home/me",
        "PWD": "/work",
        "WANDB_API_KEY": "k",
        "HF_TOKEN": "t",
        "DB_PASSWORD": "p",
        "aws_secret_access_key": "s",
        "GOOGLE_APPLICATION_CREDENTIALS": "/c.json",
        "MY_AUTH_HEADER": "Bearer x",
        "DATABASE_URL": "postgres://user:hunter2@db:5432/x",
        "ODD": "bad \udcff byte",
    }
    assert environment_variables(environ) == {
        "HOME": "/home/me",
        "PWD": "/work",
        "DATABASE_URL": "postgres://***@db:5432/x",
        "ODD": "bad \ufffd byte",
    }


def test_installed_packages_are_named_as_aim_names_them():
    packages = installed_packages()
    assert packages["psutil"] and packages["grpcio-health-checking"]


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_info_reads_branch_commit_origin_and_dirty_state(tmp_path):
    _git(tmp_path, "init", "-q", "-b", "trunk")
    _git(tmp_path, "config", "user.email", "a@b.c")
    _git(tmp_path, "config", "user.name", "Ada")
    _git(tmp_path, "remote", "add", "origin", "https://ghp_secret@github.com/me/repo.git")
    (tmp_path / "f.txt").write_text("1")
    _git(tmp_path, "add", "f.txt")
    _git(tmp_path, "commit", "-q", "-m", "one")
    info = git_info(str(tmp_path))
    assert info["branch"] == "trunk" and info["dirty"] is False
    assert info["remote_origin_url"] == "https://***@github.com/me/repo.git"
    assert info["commit"]["author"] == "Ada" and len(info["commit"]["hash"]) >= 7
    assert info["commit"]["timestamp"].startswith("20")
    (tmp_path / "f.txt").write_text("2")
    assert git_info(str(tmp_path))["dirty"] is True


def test_outside_a_git_work_tree_git_info_is_empty(tmp_path):
    assert git_info(str(tmp_path)) == {}


def test_system_params_are_plain_params_with_aims_layout():
    params = system_params()
    assert set(params) == {"packages", "env_variables", "git_info", "executable", "arguments"}
    assert params["executable"] == sys.executable
    _params.plain(params, ("__system_params",))  # storable as is


@pytest.mark.parametrize(
    "created, shared, environ, context",
    [
        (True, False, {"RANK": "3"}, {}),  # the process that made the run keeps Aim's contexts
        (False, False, {}, {}),  # a resume: the curves continue
        (False, False, {"RANK": "0"}, {}),
        (False, False, {"RANK": "2"}, {"rank": 2}),  # ranks resuming together never collide
        (False, True, {"RANK": "0"}, {"rank": 0}),
        (False, True, {"RANK": "x"}, "host+pid"),
        (False, True, {}, "host+pid"),
    ],
)
def test_each_process_beyond_the_first_has_its_own_context(created, shared, environ, context):
    got = process_context(created, shared, environ)
    if context == "host+pid":
        assert set(got) == {"host", "pid"}
    else:
        assert got == context
