"""Aim's artifact API through the real daemon: file:// and s3:// stores (a real S3 server on
loopback, moto, reached by plain boto3), Aim's key layout, listing and download, failures named."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from aim import Repo, Run
from aim.errors import ArtifactError, ReadOnlyRunError
from tests.helpers import quiet_run, run_python, start_daemon
from tests.s3_server import CREDENTIALS, moto_server, s3_client

BUCKET = "artifacts-bucket"


@pytest.fixture(scope="module")
def s3_url():
    with moto_server() as url:
        s3_client(url).create_bucket(Bucket=BUCKET)
        yield url


@pytest.fixture
def s3_env(s3_url, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_url)
    return s3_url


def _file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_file_store_round_trip_in_aims_layout(repo, tmp_path):
    store = tmp_path / "store"
    ckpt = _file(tmp_path / "src", "model.ckpt", b"weights" * 1000)
    run = quiet_run(repo)
    run.set_artifacts_uri(f"file://{store}")
    assert run.artifacts_uri == f"file://{store}/{run.hash}"
    run.log_artifact(str(ckpt))  # in the background
    run.log_artifact(ckpt, name="best/model.ckpt", block=True)
    run.close()

    assert (store / run.hash / "model.ckpt").read_bytes() == ckpt.read_bytes()  # <uri>/<hash>/<name>
    stored = Repo(str(repo)).get_run(run.hash)
    assert sorted(stored.artifacts) == ["best/model.ckpt", "model.ckpt"]
    artifact = stored.artifacts["best/model.ckpt"]
    assert artifact.name == "best/model.ckpt"
    assert artifact.path == ckpt.as_posix()
    assert artifact.uri == f"file://{store}/{run.hash}/best/model.ckpt"
    got = artifact.download(tmp_path / "out")
    assert got == (tmp_path / "out" / "model.ckpt").as_posix()
    assert Path(got).read_bytes() == ckpt.read_bytes()
    assert Path(stored.artifacts["model.ckpt"].download()).read_bytes() == ckpt.read_bytes()  # a temp folder


def test_log_artifacts_uploads_a_folder_under_its_name(repo, tmp_path):
    src = tmp_path / "configs"
    _file(src, "a.yaml", b"a: 1")
    _file(src, "nested/b.yaml", b"b: 2")
    store = tmp_path / "store"
    with quiet_run(repo) as run:
        run.set_artifacts_uri(f"file://{store}")
        run.log_artifacts(src)
        run.log_artifacts(str(src), name="cfg", block=True)
    names = sorted(Repo(str(repo)).get_run(run.hash).artifacts)
    assert names == ["cfg/a.yaml", "cfg/nested/b.yaml", "configs/a.yaml", "configs/nested/b.yaml"]
    assert (store / run.hash / "configs" / "nested" / "b.yaml").read_bytes() == b"b: 2"


def test_s3_round_trip_through_a_real_server(repo, tmp_path, s3_env):
    data = bytes(range(256)) * 4096  # 1 MiB
    ckpt = _file(tmp_path, "ckpt.bin", data)
    run = quiet_run(repo)
    run.set_artifacts_uri(f"s3://{BUCKET}/team/exp1")
    for k in range(6):  # more than the pool's workers, in the background
        run.log_artifact(ckpt, name=f"ckpt-{k}.bin")
    run.log_artifact(ckpt, name="blocked.bin", block=True)
    run.close()

    key = f"team/exp1/{run.hash}/ckpt-3.bin"  # Aim's layout, read by plain boto3
    assert s3_client(s3_env).get_object(Bucket=BUCKET, Key=key)["Body"].read() == data
    stored = Repo(str(repo)).get_run(run.hash)
    assert len(stored.artifacts) == 7
    artifact = stored.artifacts["ckpt-3.bin"]
    assert artifact.uri == f"s3://{BUCKET}/team/exp1/{run.hash}/ckpt-3.bin"
    assert Path(artifact.download(tmp_path / "down")).read_bytes() == data


def test_a_missing_bucket_is_reported_with_the_artifacts_name(repo, tmp_path, s3_env):
    ckpt = _file(tmp_path, "ckpt.bin", b"x")
    run = quiet_run(repo)
    run.set_artifacts_uri("s3://no-such-bucket-here/p")
    with pytest.raises(ArtifactError, match="'now.bin'.*no-such-bucket-here"):
        run.log_artifact(ckpt, name="now.bin", block=True)
    run.log_artifact(ckpt, name="later.bin")  # in the background: reported at close()
    with pytest.raises(ArtifactError, match="'later.bin'"):
        run.close()
    stored = Repo(str(repo)).get_run(run.hash)
    assert stored.artifacts == {}  # only what was uploaded is listed
    assert stored.status == "finished"  # the run was closed all the same


def test_a_background_failure_is_raised_by_the_next_call(repo, tmp_path, s3_env):
    ckpt = _file(tmp_path, "ckpt.bin", b"x")
    run = quiet_run(repo)
    run.set_artifacts_uri("s3://no-such-bucket-here/p")
    run.log_artifact(ckpt, name="first.bin")
    run._artifact_log._uploads.wait(60)  # the upload has failed by now
    with pytest.raises(ArtifactError, match="'first.bin'"):
        run.log_artifact(ckpt, name="second.bin")
    run.set_artifacts_uri(f"s3://{BUCKET}/ok")
    run.log_artifact(ckpt, name="third.bin")
    run.close()  # the failure was reported once
    assert list(Repo(str(repo)).get_run(run.hash).artifacts) == ["third.bin"]


def test_bad_input(repo, tmp_path):
    ckpt = _file(tmp_path, "ckpt.bin", b"x")
    run = quiet_run(repo)
    try:
        assert run.artifacts_uri is None and run.artifacts == {}
        with pytest.raises(ValueError, match=r"run.artifacts_uri is None. Use run.set_artifacts_uri"):
            run.log_artifact(ckpt)
        with pytest.raises(
            ValueError, match=r"'gs' is not a supported artifact storage scheme \(file://, s3://\)"
        ):
            run.set_artifacts_uri("gs://bucket/x")
        with pytest.warns(UserWarning, match="artifacts_uri must start with a scheme"):
            run.set_artifacts_uri(str(tmp_path / "plain"))
        with pytest.raises(ValueError, match="a uri without a scheme is not a supported"):
            run.log_artifact(ckpt)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            run.set_artifacts_uri(f"file://{tmp_path / 'store'}")
        with pytest.raises(FileNotFoundError, match="missing.bin"):
            run.log_artifact(tmp_path / "missing.bin")
        with pytest.raises(IsADirectoryError, match="log_artifacts"):
            run.log_artifact(tmp_path)
        with pytest.raises(NotADirectoryError, match="log_artifact"):
            run.log_artifacts(ckpt)
        with pytest.raises(ValueError, match="'../x'"):
            run.log_artifact(ckpt, name="../x")
        with pytest.raises(TypeError, match="str"):
            run.set_artifacts_uri(None)
    finally:
        run.close()
    with pytest.raises(ReadOnlyRunError):
        Run(run.hash, repo=str(repo), read_only=True).log_artifact(ckpt)


def test_repository_default_uri_from_aimd_start(repo, tmp_path):
    store = tmp_path / "default-store"
    start_daemon(repo, "--artifacts-uri", f"file://{store}")
    ckpt = _file(tmp_path, "ckpt.bin", b"default")
    with quiet_run(repo) as run:
        assert run.artifacts_uri == f"file://{store}/{run.hash}"
        run.log_artifact(ckpt, block=True)
    assert (store / run.hash / "ckpt.bin").read_bytes() == b"default"
    assert (repo / ".aim" / "settings.json").exists()  # kept for the daemons started later


def test_a_process_that_exits_without_close_finishes_its_uploads(repo, tmp_path):
    ckpt = _file(tmp_path, "ckpt.bin", b"at exit" * 10000)
    store = tmp_path / "store"
    done = run_python(
        f"""
        from aim import Run
        run = Run(repo={str(repo)!r}, system_tracking_interval=None, capture_terminal_logs=False)
        run.set_artifacts_uri("file://{store}")
        for k in range(8):
            run.log_artifact({str(ckpt)!r}, name=f"c{{k}}.bin")
        print(run.hash)
        """  # no close(): the exit hook waits for the uploads (AIM_EXIT_TIMEOUT)
    )
    run_hash = done.stdout.split()[-1]
    assert sorted(Repo(str(repo)).get_run(run_hash).artifacts) == [f"c{k}.bin" for k in range(8)]
    assert (store / run_hash / "c7.bin").read_bytes() == ckpt.read_bytes()
