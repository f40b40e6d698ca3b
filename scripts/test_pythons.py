"""Run the smoke suite (tests/smoke) on every other CPython 3.10+ this machine has.

    python scripts/test_pythons.py          # every interpreter found
    python scripts/test_pythons.py 3.13     # only these versions

The interpreter running this script is the main one (`make test` runs the full suite on it). The
others are looked for among pyenv's versions ($PYENV_ROOT/versions/3.N.*) and on PATH (python3.N).
Each gets a virtual environment of its own under .venv-pythons/3.N (git-ignored), into which the
project is installed as the README says: `pip install -e '.[ui]'`, plus pytest. Where plyvel has no
wheel for that Python and LevelDB's headers are missing, Debian's libleveldb-dev and g++ are
installed first (apt-get, as root: CI); elsewhere the script says what to install and fails.

A version the project supports (pyproject's classifiers) that is found nowhere is reported as
SKIPPED, never as passed. Exit status 1 when any interpreter found fails to install or fails the
suite. The closing table gives each one's install and suite times.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".venv-pythons"
MIN_VERSION = (3, 10)
SMOKE_SUITE = "tests/smoke"
INSTALL = ["-e", ".[ui]", "pytest", "pytest-timeout"]  # the README's install, and the test runner
SYSTEM_PACKAGES = ("libleveldb-dev", "g++")  # what pip needs to build plyvel where it has no wheel
LEVELDB_HEADER_DIRS = ("/usr/include", "/usr/local/include", "/opt/homebrew/include")


@dataclass
class Outcome:
    version: str
    status: str  # PASSED, FAILED, SKIPPED, MAIN
    detail: str = ""
    install_s: float = 0.0
    suite_s: float = 0.0


def supported_versions() -> list[str]:
    """The 3.N versions pyproject.toml's classifiers name (read as text: no tomllib on 3.10)."""
    text = (ROOT / "pyproject.toml").read_text()
    found = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', text)
    return sorted(set(found), key=_key)


def _key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def _cpython_version(executable: str) -> str | None:
    """'3.N' when executable runs and is CPython, else None (a pyenv shim of an unset version fails)."""
    code = "import sys; print(sys.implementation.name, '%d.%d' % sys.version_info[:2])"
    try:
        done = subprocess.run([executable, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    name, _, version = done.stdout.strip().partition(" ")
    return version if done.returncode == 0 and name == "cpython" else None


def _candidates() -> list[str]:
    """Interpreter paths worth asking: pyenv's CPython 3.N.M builds (newest first), then python3.N on PATH."""
    paths: list[str] = []
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        builds = [p for p in pyenv.iterdir() if re.fullmatch(r"3\.\d+\.\d+", p.name)]
        for build in sorted(builds, key=lambda p: tuple(map(int, p.name.split("."))), reverse=True):
            paths.append(str(build / "bin" / "python3"))
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                if re.fullmatch(r"python3\.\d+", name):
                    paths.append(os.path.join(folder, name))
    return paths


def find_interpreters() -> dict[str, str]:
    """3.N -> the first working CPython of that version found (3.10 and newer)."""
    found: dict[str, str] = {}
    for path in _candidates():
        if not os.access(path, os.X_OK):
            continue
        wanted = re.search(r"python(3\.\d+)$", path)
        if wanted and wanted.group(1) in found:
            continue
        version = _cpython_version(path)
        if version and _key(version) >= MIN_VERSION and version not in found:
            found[version] = path
    return found


def _run(argv: list[str], **env: str) -> subprocess.CompletedProcess:
    """argv in the project's root, echoed, without this process's PYTHONPATH or VIRTUAL_ENV."""
    print("+", " ".join(argv), flush=True)
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(argv, cwd=ROOT, env={**clean, **env})


def _has_leveldb_headers() -> bool:
    return any(Path(folder, "leveldb", "db.h").is_file() for folder in LEVELDB_HEADER_DIRS)


def _ensure_build_tools(python: str) -> str | None:
    """None when pip can get plyvel for python (a wheel, or headers and a compiler to build it);
    else install Debian's packages when root with apt-get, or say what is missing."""
    if _has_leveldb_headers() and (shutil.which("g++") or shutil.which("c++")):
        return None
    if _run([python, "-m", "pip", "install", "--quiet", "--only-binary", "plyvel", "plyvel"]).returncode == 0:
        return None  # a wheel exists for this Python: nothing to build
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"plyvel has no wheel here; install LevelDB's headers and g++ ({' '.join(SYSTEM_PACKAGES)})"
    if _run(["apt-get", "update", "-q"]).returncode != 0:
        return "apt-get update failed"
    installing = ["apt-get", "install", "-y", "-q", *SYSTEM_PACKAGES]
    if _run(installing, DEBIAN_FRONTEND="noninteractive").returncode != 0:
        return f"apt-get install {' '.join(SYSTEM_PACKAGES)} failed"
    return None


def install(version: str, interpreter: str) -> tuple[str | None, str]:
    """(None, the venv's python) once the project is installed for version; (why not, '') else."""
    venv = VENVS / version
    python = str(venv / "bin" / "python")
    if not Path(python).exists():
        if _run([interpreter, "-m", "venv", str(venv)]).returncode != 0:
            return f"{interpreter} -m venv failed", ""
        if _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"]).returncode != 0:
            return "pip could not upgrade itself", ""
    why = _ensure_build_tools(python)
    if why:
        return why, ""
    if _run([python, "-m", "pip", "install", "--quiet", *INSTALL]).returncode != 0:
        return f"pip install {' '.join(INSTALL)} failed", ""
    return None, python


def smoke(version: str, interpreter: str) -> Outcome:
    print(f"\n=== Python {version}: {interpreter}", flush=True)
    started = time.monotonic()
    why, python = install(version, interpreter)
    installed = time.monotonic()
    if why:
        return Outcome(version, "FAILED", f"install: {why}", installed - started)
    done = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", SMOKE_SUITE])
    outcome = Outcome(version, "PASSED" if done.returncode == 0 else "FAILED", interpreter)
    if done.returncode != 0:
        outcome.detail = f"pytest exited with status {done.returncode}"
    outcome.install_s, outcome.suite_s = installed - started, time.monotonic() - installed
    return outcome


def main(argv: list[str]) -> int:
    main_version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    found = find_interpreters()
    wanted = argv or sorted(set(supported_versions()) | set(found), key=_key)
    outcomes: list[Outcome] = []
    for version in wanted:
        if version == main_version:
            outcomes.append(Outcome(version, "MAIN", f"{sys.executable}: the full suite (make test)"))
        elif version not in found:
            outcomes.append(Outcome(version, "SKIPPED", "no interpreter found (pyenv versions, PATH)"))
        else:
            outcomes.append(smoke(version, found[version]))
    print("\nSmoke suite per Python:")
    for o in outcomes:
        times = (
            f"install {o.install_s:5.1f} s, suite {o.suite_s:5.1f} s"
            if o.status in ("PASSED", "FAILED")
            else ""
        )
        print(f"  {o.version:<5} {o.status:<7} {times:<32} {o.detail}")
    return 1 if any(o.status == "FAILED" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
