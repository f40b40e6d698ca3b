"""A plyvel that cannot be imported (no wheel for this Python and no LevelDB headers when pip tried to
build it, or its libleveldb removed since): one clear error naming what to install, from `aimd` and
through the SDK, never a traceback. A stand-in `plyvel` package that fails to import, first on
PYTHONPATH, plays the broken installation."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aimproto.contract import AIMD_EXIT_NOT_INSTALLED

ROOT = Path(__file__).resolve().parent.parent.parent
BROKEN = "libleveldb.so.1d: cannot open shared object file: No such file or directory"
WHAT_TO_INSTALL = ("apt-get install libleveldb-dev g++", "brew install leveldb", "pip install")


@pytest.fixture
def broken_env(tmp_path: Path) -> dict[str, str]:
    """An environment in which `import plyvel` raises ImportError as a plyvel without its library does."""
    package = tmp_path / "stand-in" / "plyvel"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f"raise ImportError({BROKEN!r})\n")
    return {**os.environ, "PYTHONPATH": f"{package.parent}{os.pathsep}{ROOT}"}


def _python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=120)


def _names_the_fix(message: str) -> None:
    assert "plyvel cannot be imported" in message and BROKEN in message, message
    assert all(command in message for command in WHAT_TO_INSTALL), message
    assert "Traceback" not in message


def test_the_sdk_says_what_to_install_in_one_aim_error(broken_env, repo):
    code = f"""
        from aim import Run
        from aim.errors import DaemonSetupError
        try:
            Run(repo={str(repo)!r}, system_tracking_interval=None)
        except DaemonSetupError as exc:  # a DaemonUnavailable, raised at once: retrying cannot help
            print(exc)
        else:
            raise SystemExit("Run() started without plyvel")
    """
    done = _python(broken_env, "-c", textwrap.dedent(code))
    assert done.returncode == 0 and done.stderr == "", done.stdout + done.stderr
    _names_the_fix(done.stdout)
    assert not (repo / ".aim" / "aimd.pid").exists()  # refused before a daemon was spawned


def test_aimd_serve_says_it_in_one_line_and_exits_5(broken_env, repo):
    done = _python(broken_env, "-m", "aimd", "serve", "--repo", str(repo))
    assert done.returncode == AIMD_EXIT_NOT_INSTALLED
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("aimd: "), done.stderr
    _names_the_fix(lines[0])
    assert BROKEN in (repo / ".aim" / "aimd.log").read_text()  # in the daemon's log too
