"""Artifacts that the real Aim 3.29.1 logged into file:// and s3:// (a real S3 server on
loopback, moto) stay listed and downloadable after `aim convert aim3`."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from aim import Repo
from aim._convert.aim3 import side_env
from tests.cli.helpers import aim
from tests.cli.test_cli_convert_aim3 import aim3_python  # noqa: F401 (the fixture: a Python with Aim 3)
from tests.s3_server import CREDENTIALS, moto_server, s3_client

BUCKET = "aim3-artifacts"


def _log_with_aim3(python: str, folder: Path, store: Path, data: Path, env: dict[str, str]) -> dict[str, str]:
    """Two runs written by real Aim: one logs into file://store, one into s3://BUCKET/team."""
    code = f"""
        import json
        from aim import Run
        hashes = {{}}
        for scheme, uri in (("file", "file://{store}"), ("s3", "s3://{BUCKET}/team")):
            run = Run(repo={str(folder)!r}, system_tracking_interval=None)
            run.set_artifacts_uri(uri)
            run.log_artifact({str(data / "model.ckpt")!r}, name="best/model.ckpt", block=True)
            run.log_artifacts({str(data / "configs")!r}, block=True)
            run.close()
            hashes[scheme] = run.hash
        print(json.dumps(hashes))
    """
    init = [str(Path(python).with_name("aim")), "init", "--repo", str(folder)]
    made = subprocess.run(init, capture_output=True, text=True, cwd=folder, env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    done = subprocess.run(
        [python, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=folder, env=env
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.split("\n")[-2])


@pytest.mark.frameworks  # with the Aim 3 conversion tests: the first run installs Aim from PyPI
@pytest.mark.timeout(1200)
def test_artifacts_aim3_logged_are_listed_and_downloadable_after_convert(
    aim3_python,  # noqa: F811
    tmp_path,
    dest,
    monkeypatch,
):
    data = tmp_path / "data"
    (data / "configs").mkdir(parents=True)
    (data / "model.ckpt").write_bytes(os.urandom(300_000))
    (data / "configs" / "train.yaml").write_text("lr: 0.1\n")
    store, source = tmp_path / "store", tmp_path / "aim3"
    source.mkdir()
    with moto_server() as url:
        s3_client(url).create_bucket(Bucket=BUCKET)
        env = {**side_env(), **CREDENTIALS, "AWS_ENDPOINT_URL": url}
        hashes = _log_with_aim3(aim3_python, source, store, data, env)
        for name, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": url}.items():
            monkeypatch.setenv(name, value)
        Repo(str(dest), init=True)
        done = aim("convert", "aim3", "--from", str(source), "--aim-python", aim3_python, "--repo", str(dest))
        assert done.returncode == 0 and "Converted 2 run(s)" in done.stdout, done.stderr

        for scheme, base in (("file", f"file://{store}"), ("s3", f"s3://{BUCKET}/team")):
            run = Repo(str(dest)).get_run(hashes[scheme])
            assert run.artifacts_uri == f"{base}/{run.hash}"
            assert sorted(run.artifacts) == ["best/model.ckpt", "configs/train.yaml"]
            artifact = run.artifacts["best/model.ckpt"]
            assert artifact.uri == f"{base}/{run.hash}/best/model.ckpt"
            assert artifact.path == (data / "model.ckpt").as_posix()
            got = artifact.download(tmp_path / "down" / scheme)
            assert Path(got).read_bytes() == (data / "model.ckpt").read_bytes()
            config = run.artifacts["configs/train.yaml"].download(tmp_path / "down" / scheme)
            assert Path(config).read_text() == "lr: 0.1\n"
