"""scripts/test_pythons.py (make test-pythons): which interpreters it finds, and that one found nowhere
is reported as skipped, never as passed. (CI runs the script itself on this machine's Pythons.)"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The script as a module, looking only in an empty pyenv root and tmp_path/bin (PATH)."""
    spec = importlib.util.spec_from_file_location("test_pythons", ROOT / "scripts" / "test_pythons.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "test_pythons", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    return module


def test_supported_versions_are_the_classifiers(script):
    assert script.supported_versions() == ["3.10", "3.11", "3.12", "3.13"]


def test_a_working_cpython_on_path_is_found_and_a_broken_shim_is_not(script, tmp_path):
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    os.symlink(sys.executable, tmp_path / "bin" / f"python{version}")
    shim = tmp_path / "bin" / "python3.12" if version != "3.12" else tmp_path / "bin" / "python3.10"
    shim.write_text("#!/bin/sh\necho 'pyenv: version not installed' >&2\nexit 127\n")
    shim.chmod(0o755)
    assert script.find_interpreters() == {version: str(tmp_path / "bin" / f"python{version}")}


def test_a_version_found_nowhere_is_reported_skipped_not_passed(script, capsys):
    assert script.main(["3.99"]) == 0
    summary = capsys.readouterr().out.splitlines()[-1].split()
    assert summary[:2] == ["3.99", "SKIPPED"]
