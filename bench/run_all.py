"""Run every benchmark of the suite with its defaults and print what each one prints.

    python bench/run_all.py                  # everything
    python bench/run_all.py --only tracking  # one benchmark (repeatable)
    python bench/run_all.py --only soak --soak-duration 600  # the soak for 10 minutes

Each benchmark is a script in this folder run in its own interpreter (the one running this
file); add new ones to BENCHMARKS. The exit status is 1 when any of them failed.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# name -> argv after the interpreter (paths relative to the repository root)
BENCHMARKS: dict[str, list[str]] = {
    "tracking": ["bench/bench_tracking.py"],
    "query": ["bench/bench_query.py"],
    "objects": ["bench/bench_objects.py"],
    "ui": ["bench/bench_ui.py"],
    "remote": ["bench/bench_remote.py"],
    "system": ["bench/bench_system.py"],
    "faults": ["bench/bench_faults.py"],
    "read-your-writes": ["bench/bench_read_your_writes.py"],
    "transfer": ["bench/bench_transfer.py"],
    "live": ["bench/bench_live.py"],
    "soak": ["bench/bench_soak.py", "--duration", "60"],  # --soak-duration for a longer one
    "artifacts": ["bench/bench_artifacts.py"],
    "blob-store": ["bench/bench_blob_store.py"],
}


def run(name: str, argv: list[str]) -> bool:
    command = [sys.executable, *argv]
    print(f"=== {name}: {shlex.join(command)}", flush=True)
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT)
    print(f"=== {name}: exit {done.returncode} after {time.monotonic() - started:.1f} s\n", flush=True)
    return done.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the benchmark suite.")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only this benchmark")
    parser.add_argument(
        "--soak-duration", type=float, metavar="S", help="seconds the soak benchmark writes (default 60)"
    )
    args = parser.parse_args()
    if args.soak_duration:
        BENCHMARKS["soak"] = ["bench/bench_soak.py", "--duration", f"{args.soak_duration:g}"]
    names = args.only or list(BENCHMARKS)
    failed = [name for name in names if not run(name, BENCHMARKS[name])]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
