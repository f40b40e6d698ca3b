"""Blob store benchmark: images/s into LevelDB vs with `aimd start --blob-store` (s3:// on moto's
server on loopback, as the tests start it, and file://).

One process tracks --images random 64x64 RGB images (made beforehand) into a fresh repository;
"ingest" is timed to run.close() (every image durable: acknowledged), "moved" until the store
holds every blob (the background move done). The ratios compare each store with LevelDB alone.

    python bench/bench_blob_store.py               # the defaults
    python bench/bench_blob_store.py --images 2000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from harness import Repos, machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for the tests package
from tests.s3_server import CREDENTIALS, moto_server, s3_client  # noqa: E402 (the tests' S3 server)

BUCKET = "bench-blobs"


def track(repo: Path, images: list) -> float:
    from aim import Run

    run = Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False)
    started = time.perf_counter()
    for step, image in enumerate(images):
        run.track(image, name="samples", step=step)
    run.close()
    return time.perf_counter() - started


def start(repo: Path, *flags: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aimd", "start", "--repo", str(repo), *flags], capture_output=True
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode())


def wait_moved(count, want: int, started: float) -> float:
    while count() < want:
        time.sleep(0.05)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--tmp", default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    import numpy as np

    from aim import Image

    rng = np.random.default_rng(0)
    images = [Image(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)) for _ in range(args.images)]
    n = args.images
    repos = Repos(args.tmp, args.keep)
    try:
        print(f"# {machine()}")
        print(f"# {n} random 64x64 RGB images, one process\n")
        base = track(repos.new("leveldb"), images)
        print(f"{'LevelDB':<10} ingest {n / base:8.0f} images/s")

        folder = repos.root / "file-store"
        repo = repos.new("file")
        start(repo, "--blob-store", f"file://{folder}")
        started = time.perf_counter()
        ingest = track(repo, images)
        moved = wait_moved(lambda: sum(len(files) for _, _, files in os.walk(folder)), n, started)
        print(f"{'file://':<10} ingest {n / ingest:8.0f} images/s   moved {n / moved:8.0f} images/s")
        file_ratio = (base / ingest, base / moved)

        with moto_server() as url:
            os.environ.update({**CREDENTIALS, "AWS_ENDPOINT_URL": url})
            client = s3_client(url)
            client.create_bucket(Bucket=BUCKET)
            repo = repos.new("s3")
            start(repo, "--blob-store", f"s3://{BUCKET}/blobs")

            def count() -> int:
                pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
                return sum(page.get("KeyCount", 0) for page in pages)

            started = time.perf_counter()
            ingest = track(repo, images)
            moved = wait_moved(count, n, started)
            print(f"{'s3://':<10} ingest {n / ingest:8.0f} images/s   moved {n / moved:8.0f} images/s")
            s3_ratio = (base / ingest, base / moved)
        print(
            f"\nvs LevelDB: file:// ingest {file_ratio[0]:.2f} moved {file_ratio[1]:.2f}   "
            f"s3:// ingest {s3_ratio[0]:.2f} moved {s3_ratio[1]:.2f}"
        )
    finally:
        repos.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
