"""Backups in an S3-compatible bucket (a real server on loopback, moto): `aim runs upload`,
`aim export --out s3://...` and `aim import s3://...` restore runs exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from aim import Repo
from tests.cli.helpers import aim, make_run, snapshot
from tests.s3_server import CREDENTIALS, moto_server, s3_client

BUCKET = "backups-bucket"


@pytest.fixture
def s3(monkeypatch):
    with moto_server() as url:
        for name, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": url}.items():
            monkeypatch.setenv(name, value)  # the `aim` processes inherit them
        yield s3_client(url)


def test_runs_upload_then_import_restores_every_run(repo, dest, s3):
    Repo(str(repo), init=True)
    first, second = make_run(repo, points=5000), make_run(repo, points=10, name="second")
    done = aim("runs", "--repo", str(repo), "upload", BUCKET)  # the bucket is made, as Aim does
    assert done.returncode == 0 and "Uploaded 2 run(s)" in done.stdout, done.stderr
    (key,) = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert key.startswith("aim-") and key.endswith(".aimrun") and f"s3://{BUCKET}/{key}" in done.stdout
    Repo(str(dest), init=True)
    done = aim("import", f"s3://{BUCKET}/{key}", "--repo", str(dest))
    assert done.returncode == 0 and "Imported 2 of 2 run(s)" in done.stdout, done.stderr
    for run_hash in (first, second):
        assert snapshot(dest, run_hash) == snapshot(repo, run_hash)


def test_export_to_s3_and_import_from_it(repo, dest, s3, tmp_path: Path):
    s3.create_bucket(Bucket=BUCKET)
    Repo(str(repo), init=True)
    run_hash = make_run(repo, points=100)
    out = f"s3://{BUCKET}/nightly/one.aimrun"
    done = aim("export", run_hash, "--out", out, "--repo", str(repo))
    assert done.returncode == 0 and out in done.stdout, done.stderr
    Repo(str(dest), init=True)
    done = aim("import", out, "--repo", str(dest))
    assert done.returncode == 0 and "Imported 1 of 1 run(s)" in done.stdout, done.stderr
    assert snapshot(dest, run_hash) == snapshot(repo, run_hash)


def test_missing_buckets_and_objects_are_one_line_errors(repo, dest, s3):
    Repo(str(repo), init=True)
    run_hash = make_run(repo, points=10)
    done = aim("export", run_hash, "--out", "s3://no-such-bucket-x/a.aimrun", "--repo", str(repo))
    assert done.returncode != 0 and "no-such-bucket-x" in done.stderr and "Traceback" not in done.stderr
    s3.create_bucket(Bucket=BUCKET)
    Repo(str(dest), init=True)
    done = aim("import", f"s3://{BUCKET}/missing.aimrun", "--repo", str(dest))
    assert done.returncode != 0 and "missing.aimrun" in done.stderr and "Traceback" not in done.stderr
    done = aim("import", f"s3://{BUCKET}/", "--repo", str(dest))
    assert done.returncode != 0 and "s3://bucket/path/file" in done.stderr
    assert Repo(str(dest)).list_all_runs() == []
