"""Transfer benchmark: `aim runs cp`, `aim export` and `aim import` throughput in points/s.

A source repository gets --points points (default 1,000,000) in --runs runs of 4 metrics each,
tracked through the SDK (not timed). Then, each timed on its own, through the same functions
the commands use (aim._transfer.copy, aim._transfer.archive):

* cp:      Repo.copy_runs into a fresh repository (read from one daemon, ImportRun into another);
* export:  every run into one archive file (its size is reported per point);
* import:  the archive checked (checksum) and imported into a fresh repository;
* read:    the same points read back with ReadSequence only (warm): the floor under cp and export.

    python bench/bench_transfer.py                  # the defaults
    python bench/bench_transfer.py --points 200000 --runs 4
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from harness import Repos, machine

METRICS = 4


def seed(repo: Path, points: int, runs: int) -> list[str]:
    import numpy as np

    from aim import Run

    per_series = points // (runs * METRICS)
    values = np.random.default_rng(0).random(per_series).tolist()
    hashes = []
    for r in range(runs):
        run = Run(repo=str(repo), experiment="bench")
        run["hparams"] = {"run": r}
        for m in range(METRICS):
            for step, value in enumerate(values):
                run.track(value, name=f"metric{m}", step=step, context={"subset": "train"})
        run.close()
        hashes.append(run.hash)
    return hashes


def timed(label: str, points: int, fn) -> float:
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    print(f"{label:<8} {seconds:8.2f} s  {points / seconds:12,.0f} points/s", flush=True)
    return points / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tmp", default=None, help="parent folder of the repositories")
    parser.add_argument("--keep", action="store_true", help="keep the repositories")
    args = parser.parse_args()

    from aim import Repo
    from aim._transfer.archive import verify
    from aim._transfer.copy import count_points, export_archive, import_archive

    repos = Repos(args.tmp, args.keep)
    try:
        source_path = repos.new("source")
        hashes = seed(source_path, args.points, args.runs)
        source = Repo(str(source_path))
        points = count_points(source._client, hashes)
        print(f"# {machine()}")
        print(f"# {points:,} points in {len(hashes)} runs x {METRICS} metrics\n")

        def read_all() -> None:
            for h in hashes:
                for seq in source._client.list_sequences(h):
                    source._client.point_chunks(h, seq["name"], seq["context"])

        read_all()  # warm the daemon's block cache: every timed step below reads warm
        read = timed("read", points, read_all)
        copy = Repo(str(repos.new("copy")), init=True)
        cp = timed("cp", points, lambda: source.copy_runs(hashes, copy))
        archive = repos.root / "runs.aimrun"
        export = timed("export", points, lambda: export_archive(source, hashes, archive, "bench"))
        imported = Repo(str(repos.new("imported")), init=True)

        def import_all() -> None:
            verify(archive)
            import_archive(imported, archive)

        imp = timed("import", points, import_all)
        assert len(imported.list_all_runs()) == len(copy.list_all_runs()) == len(hashes)
        print(f"\narchive: {archive.stat().st_size / points:.1f} bytes/point")
        ratios = {"cp": cp, "export": export, "import": imp}
        print("   ".join(f"{name} / read: {rate / read:.2f}" for name, rate in ratios.items()))
    finally:
        repos.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
