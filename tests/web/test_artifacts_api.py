"""`aim up`'s artifact endpoints: a run's artifacts as JSON, each downloadable through the UI."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from aim import Repo  # noqa: E402
from aim.web.app import create_app  # noqa: E402
from tests.helpers import quiet_run  # noqa: E402


def test_a_runs_artifacts_are_listed_and_downloaded(repo, tmp_path):
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_bytes(b"\x00weights\xff" * 100)
    with quiet_run(repo) as run:
        run.set_artifacts_uri(f"file://{tmp_path / 'store'}")
        run.log_artifact(ckpt, name="best/model.ckpt", block=True)
    client = TestClient(create_app(Repo(str(repo))))
    reply = client.get(f"/api/runs/{run.hash}/artifacts").json()
    assert reply["artifacts_uri"] == f"file://{tmp_path / 'store'}/{run.hash}"
    (item,) = reply["artifacts"]
    assert item["name"] == "best/model.ckpt" and item["uri"].endswith(f"/{run.hash}/best/model.ckpt")
    got = client.get(item["download"])
    assert got.status_code == 200 and got.content == ckpt.read_bytes()
    assert 'filename="model.ckpt"' in got.headers["content-disposition"]
    missing = client.get(f"/api/runs/{run.hash}/artifacts/download?name=nope")
    assert missing.status_code == 404 and "nope" in missing.json()["error"]
    assert client.get("/api/runs/0123456789abcdef01234567/artifacts").status_code == 404
