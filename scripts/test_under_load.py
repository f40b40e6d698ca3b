"""Run the main suite several times in a row while busy processes hold CPU cores (issue 19: tests
must not depend on the machine's load). Usage: python scripts/test_under_load.py [--hogs 2] [--rounds 2]
[pytest args...]; exits with the first failing round's status. The hogs are stopped by PID."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

HOG = "while True: pass"
SUITE = [
    sys.executable,
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "-m",
    "not frameworks and not browser",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hogs", type=int, default=2, help="busy processes beside the suite (default 2)")
    parser.add_argument("--rounds", type=int, default=2, help="times the suite runs in a row (default 2)")
    options, pytest_args = parser.parse_known_args(argv)
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(options.hogs)]
    try:
        for round_no in range(1, options.rounds + 1):
            started = time.monotonic()
            status = subprocess.call([*SUITE, *pytest_args])
            took = time.monotonic() - started
            print(
                f"round {round_no}/{options.rounds} beside {options.hogs} busy processes: "
                f"exit {status} in {took:.0f} s",
                flush=True,
            )
            if status != 0:
                return status
        return 0
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


if __name__ == "__main__":
    sys.exit(main())
