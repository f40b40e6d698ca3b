"""The explorers' HTTP API over a real daemon: group statistics and their bad input."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from aim import Repo  # noqa: E402
from aim.web.app import create_app  # noqa: E402
from tests.web.explorer_data import LRS, SEEDS, fill, loss  # noqa: E402


@pytest.fixture(scope="module")
def client(shared):
    fill(shared)
    with TestClient(create_app(Repo(str(shared)))) as client:
        yield client


def test_groups_carry_line_band_runs_and_params(client):
    query = 'metric.name == "loss" and metric.context.subset == "train"'
    params = {"q": query, "group_by": "run.hparams.lr", "line": "median", "band": "minmax", "max_points": 10}
    reply = client.get("/api/metrics/groups", params=params)
    assert reply.status_code == 200
    body = reply.json()
    groups = {tuple(g["values"]): g for g in body["groups"]}
    assert set(groups) == {(0.1,), (0.01,), (None,)}
    for lr in LRS:
        group, matrix = groups[(lr,)], np.stack([loss(lr, seed) for seed in range(SEEDS)])
        assert len(group["steps"]) == 10 and group["curves"] == SEEDS
        np.testing.assert_allclose(group["line"], np.median(matrix[:, group["steps"]], axis=0))
        np.testing.assert_allclose(group["low"], matrix[:, group["steps"]].min(0))
        assert all(body["runs"][h]["params"]["hparams.lr"] == lr for h in group["runs"])


@pytest.mark.parametrize(
    "params, message",
    [
        ({"band": "iqr"}, "aggregate band 'iqr'"),
        ({"line": "mode"}, "aggregate line 'mode'"),
        ({"group_by": "lr"}, "cannot group by 'lr'"),
        ({"q": "metric.name =="}, "invalid syntax"),
    ],
)
def test_bad_groupings_are_a_400_naming_the_problem(client, params, message):
    reply = client.get("/api/metrics/groups", params=params)
    assert reply.status_code == 400 and message in reply.json()["error"]
