"""Run the tests of one pytest marker after installing what they need.

    python scripts/run_marked.py frameworks
    python scripts/run_marked.py browser

Each marker names its set-up below (extras, constraints, system packages). pytest's exit 5
(no test collected) counts as success, so a marker with no tests yet does not fail CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NO_TESTS_COLLECTED = 5


# The frameworks' extras, xgboost-cpu for the xgboost extra (the same module without the CUDA
# libraries that xgboost pulls on Linux) and tensorflow-cpu for the tensorflow extra. torch is
# pinned to the CPU build by the constraints.
FRAMEWORK_EXTRAS = (
    "lightning",
    "transformers",
    "keras",
    "pytorch",
    "ignite",
    "lightgbm",
    "optuna",
    "catboost",
    "mlflow",
    "keras-tuner",
    "sb3",
    "prophet",
    "acme",
    "paddle",
)
FRAMEWORK_PACKAGES = ("xgboost-cpu", "tensorflow-cpu")
FRAMEWORK_CONSTRAINTS = ROOT / "scripts" / "constraints-frameworks.txt"


# fastai pulls PyPI's torchvision, which breaks torch imports beside Lightning and Transformers:
# its tests (marker fastai) run in an environment of their own, made here once and then reused.
FASTAI_VENV = ROOT / ".venv-fastai"
FASTAI_TESTS = "tests/integrations/test_fastai.py"


def _pip_install(*requirements: str, python: str = sys.executable) -> bool:
    command = [python, "-m", "pip", "install", "--quiet", "-c", str(FRAMEWORK_CONSTRAINTS)]
    return subprocess.run([*command, *requirements], cwd=ROOT).returncode == 0


def run_fastai() -> int:
    """The fastai tests in .venv-fastai (aim-tracker with its test and fastai extras)."""
    python = FASTAI_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(FASTAI_VENV)], check=True)
    if not _pip_install("-e.[test,fastai]", python=str(python)):
        print("run_marked: could not install fastai; its tests skip", file=sys.stderr)
        return 0
    done = subprocess.run([str(python), "-m", "pytest", "-q", "-m", "fastai", FASTAI_TESTS], cwd=ROOT)
    return 0 if done.returncode == NO_TESTS_COLLECTED else done.returncode


def setup_frameworks() -> None:
    """Install the framework extras in one pip call; if that fails, one by one, so that a framework
    that cannot be installed here only makes its own tests skip."""
    everything = [f"-e.[{','.join(FRAMEWORK_EXTRAS)}]", *FRAMEWORK_PACKAGES]
    if _pip_install(*everything):
        return
    for requirement in [f"-e.[{extra}]" for extra in FRAMEWORK_EXTRAS] + list(FRAMEWORK_PACKAGES):
        if not _pip_install(requirement):
            print(f"run_marked: could not install {requirement}; its tests will skip", file=sys.stderr)


def setup_browser() -> None:
    """Install the UI extra and playwright (the driver only: it never downloads a browser), and
    Debian's chromium when /usr/bin/chromium is missing (CI runs as root)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "-e", ".[ui]", "playwright"], cwd=ROOT, check=True
    )
    if not Path("/usr/bin/chromium").exists():
        subprocess.run(["apt-get", "update", "-q"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )


SETUPS = {"frameworks": setup_frameworks, "browser": setup_browser}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SETUPS:
        print(f"usage: run_marked.py {{{'|'.join(SETUPS)}}}", file=sys.stderr)
        return 2
    marker = argv[0]
    SETUPS[marker]()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", marker], cwd=ROOT)
    status = 0 if done.returncode == NO_TESTS_COLLECTED else done.returncode
    if marker == "frameworks":
        status = run_fastai() or status
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
