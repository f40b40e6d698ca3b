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


def setup_frameworks() -> None:
    """Install the framework extras (filled in by the integrations work)."""


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
    return 0 if done.returncode == NO_TESTS_COLLECTED else done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
