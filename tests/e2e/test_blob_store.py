"""Blobs on object storage (`aimd start --blob-store s3://...`, a real S3 server on loopback:
moto): image bytes move out of LevelDB into the bucket, read back the same through the SDK, and
a kill -9 of the daemon while they move loses nothing acknowledged."""

from __future__ import annotations

import hashlib
import signal

import numpy as np
import plyvel
import psutil
import pytest

from aim import Image, Repo, Run
from tests.helpers import daemon_pid, start_daemon, stop_daemon, wait_exited, wait_for
from tests.s3_server import CREDENTIALS, moto_server, s3_client

BUCKET = "blob-bucket"


@pytest.fixture
def s3(monkeypatch):
    with moto_server() as url:
        for name, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": url}.items():
            monkeypatch.setenv(name, value)  # daemons started from here inherit them
        client = s3_client(url)
        client.create_bucket(Bucket=BUCKET)
        yield client


def _objects(s3) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="blobs/")
    return {item["Key"].rsplit("/", 1)[-1] for page in pages for item in page.get("Contents", [])}


def _image(seed: int, side: int = 32) -> Image:
    return Image(np.random.default_rng(seed).integers(0, 255, (side, side, 3), dtype=np.uint8))


def _stored_shas(repo, run_hash: str) -> dict[int, str]:
    client = Repo(str(repo))._client
    found = client.read_objects(run_hash, "samples", "{}")
    return {
        step: records[0][2] for step, records in zip(found["steps"].tolist(), found["records"], strict=True)
    }


def _local_chunks(repo) -> int:
    db = plyvel.DB(str(repo / ".aim" / "db"))
    try:
        return sum(1 for key in db.iterator(prefix=b"O", include_value=False) if len(key) > 33)
    finally:
        db.close()


def test_blobs_move_to_the_bucket_and_read_back_the_same(repo, s3):
    start_daemon(repo, "--blob-store", f"s3://{BUCKET}/blobs")
    with Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False) as run:
        for step in range(12):
            run.track(_image(step), name="samples", step=step)
        run.track(_image(99, side=700), name="samples", step=12)  # over 1 MiB: several chunks
    shas = _stored_shas(repo, run.hash)
    assert len(set(shas.values())) == 13
    wait_for(lambda: set(shas.values()) <= _objects(s3), timeout=120)
    client = Repo(str(repo))._client
    for sha in shas.values():
        assert hashlib.sha256(client.get_blob(sha)).hexdigest() == sha
    stop_daemon(repo)
    assert _local_chunks(repo) == 0  # LevelDB keeps only the references
    # a fresh daemon (started by the SDK, with the saved --blob-store) reads them from the bucket
    blobs = Repo(str(repo))._client.get_blobs(list(shas.values()))
    assert [hashlib.sha256(b).hexdigest() for b in blobs] == list(shas.values())


def test_kill_9_while_blobs_move_loses_nothing_acknowledged(repo, s3):
    start_daemon(repo, "--blob-store", f"s3://{BUCKET}/blobs")
    run = Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False)
    for step in range(40):
        run.track(_image(step, side=64), name="samples", step=step)
    run._tracker.flush()  # acknowledged: durable from here on
    wait_for(lambda: _objects(s3), timeout=120)  # moving has begun
    victim = psutil.Process(daemon_pid(repo))
    victim.send_signal(signal.SIGKILL)
    wait_exited(victim)
    for step in range(40, 60):  # the SDK starts a new daemon and carries on
        run.track(_image(step, side=64), name="samples", step=step)
    run.close()
    shas = _stored_shas(repo, run.hash)
    assert sorted(shas) == list(range(60))
    client = Repo(str(repo))._client
    blobs = client.get_blobs(list(shas.values()))
    assert [hashlib.sha256(b).hexdigest() for b in blobs] == list(shas.values())
    wait_for(lambda: set(shas.values()) <= _objects(s3), timeout=120)  # every one moved in the end


def test_a_store_that_is_down_delays_the_move_and_loses_nothing(repo, s3):
    start_daemon(repo, "--blob-store", f"s3://{BUCKET}-later/blobs")  # no such bucket yet
    with Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False) as run:
        for step in range(5):
            run.track(_image(step), name="samples", step=step)
    shas = _stored_shas(repo, run.hash)
    blobs = Repo(str(repo))._client.get_blobs(list(shas.values()))  # read from LevelDB meanwhile
    assert [hashlib.sha256(b).hexdigest() for b in blobs] == list(shas.values())
    s3.create_bucket(Bucket=f"{BUCKET}-later")  # the store comes up: the daemon moves them by itself
    pages = s3.get_paginator("list_objects_v2")

    def moved() -> set[str]:
        found = pages.paginate(Bucket=f"{BUCKET}-later", Prefix="blobs/")
        return {item["Key"].rsplit("/", 1)[-1] for page in found for item in page.get("Contents", [])}

    wait_for(lambda: set(shas.values()) <= moved(), timeout=120)
    stop_daemon(repo)
    assert _local_chunks(repo) == 0


def _headers(repo) -> list[int]:
    """The format byte of every blob header in the store (1: bytes here, 2: in the object store)."""
    db = plyvel.DB(str(repo / ".aim" / "db"))
    try:
        return [value[0] for key, value in db.iterator(prefix=b"O") if len(key) == 33]
    finally:
        db.close()


def test_blobs_move_back_into_the_repository(repo, s3):
    start_daemon(repo, "--blob-store", f"s3://{BUCKET}/blobs")
    with Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False) as run:
        for step in range(4):
            run.track(_image(step), name="samples", step=step)
        run.track(_image(98, side=700), name="samples", step=4)
    shas = _stored_shas(repo, run.hash)
    wait_for(lambda: set(shas.values()) <= _objects(s3), timeout=120)
    stop_daemon(repo)
    assert _headers(repo) == [2] * 5 and _local_chunks(repo) == 0

    start_daemon(repo, "--blobs-back")

    def all_back() -> bool:  # the store can be read only while no daemon holds it
        stop_daemon(repo)
        done = _headers(repo) == [1] * 5
        if not done:
            start_daemon(repo)
        return done

    wait_for(all_back, timeout=120)
    assert _local_chunks(repo) == 4 + 2  # the big one has two chunks
    start_daemon(repo, "--blob-store", "")  # the store is given up: LevelDB holds every byte
    blobs = Repo(str(repo))._client.get_blobs(list(shas.values()))
    assert [hashlib.sha256(b).hexdigest() for b in blobs] == list(shas.values())
