"""Artifact benchmark: Run.log_artifact upload throughput in MB/s, to file:// and to s3://.

--files files of --mb MiB each (random bytes) are logged by one Run in the background, timed
from the first log_artifact() to close() returning (every upload done and listed in the run).
Each store is compared with the plain copy of the same files by its own means, on this machine:
shutil.copyfile for file://, boto3's upload_file for s3:// (moto's S3 server on loopback, as
the tests start it; a real store's figures depend on its network).

    python bench/bench_artifacts.py                 # the defaults
    python bench/bench_artifacts.py --files 4 --mb 32
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from harness import Repos, machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for the tests package
from tests.s3_server import CREDENTIALS, moto_server, s3_client  # noqa: E402 (the tests' S3 server)

BUCKET = "bench-artifacts"


def log_all(repo: Path, uri: str, files: list[Path]) -> float:
    from aim import Run

    run = Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False)
    run.set_artifacts_uri(uri)
    started = time.perf_counter()
    for file in files:
        run.log_artifact(file)
    run.close()
    seconds = time.perf_counter() - started
    assert len(run.artifacts) == len(files)
    return seconds


def report(label: str, total_mb: float, seconds: float) -> float:
    rate = total_mb / seconds
    print(f"{label:<22} {seconds:7.2f} s  {rate:8.1f} MB/s", flush=True)
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--mb", type=int, default=8, help="MiB per file")
    parser.add_argument("--tmp", default=None, help="parent folder of the repositories")
    parser.add_argument("--keep", action="store_true", help="keep the repositories")
    args = parser.parse_args()

    repos = Repos(args.tmp, args.keep)
    try:
        data = repos.root / "data"
        data.mkdir()
        files = []
        for k in range(args.files):
            path = data / f"ckpt-{k}.bin"
            path.write_bytes(os.urandom(args.mb * 2**20))
            files.append(path)
        total = args.files * args.mb * 2**20 / 1e6
        print(f"# {machine()}")
        print(f"# {args.files} files x {args.mb} MiB = {total:.0f} MB\n")

        started = time.perf_counter()
        plain = repos.root / "plain"
        plain.mkdir()
        for file in files:
            shutil.copyfile(file, plain / file.name)
        copy_rate = report("file: shutil copy", total, time.perf_counter() - started)
        file_rate = report(
            "file: log_artifact", total, log_all(repos.new("file"), f"file://{repos.root}/store", files)
        )

        with moto_server() as url:
            os.environ.update({**CREDENTIALS, "AWS_ENDPOINT_URL": url})
            client = s3_client(url)
            client.create_bucket(Bucket=BUCKET)
            started = time.perf_counter()
            for file in files:
                client.upload_file(Filename=str(file), Bucket=BUCKET, Key=f"plain/{file.name}")
            boto_rate = report("s3: boto3 upload_file", total, time.perf_counter() - started)
            s3_rate = report(
                "s3: log_artifact", total, log_all(repos.new("s3"), f"s3://{BUCKET}/runs", files)
            )
        print(f"\nfile: log_artifact / copy: {file_rate / copy_rate:.2f}", end="   ")
        print(f"s3: log_artifact / boto3: {s3_rate / boto_rate:.2f}")
    finally:
        repos.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
