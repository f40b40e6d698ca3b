"""PaddlePaddle's AimCallback, on a tiny linear regression fit for two epochs on CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.integrations.helpers import only_run, series

paddle = pytest.importorskip("paddle", reason="PaddlePaddle is not installed (aim-tracker[paddle])")

from aim.paddle import AimCallback  # noqa: E402

pytestmark = pytest.mark.frameworks


class _Data(paddle.io.Dataset):
    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(24, 3)).astype("float32")
        self.y = self.x.sum(axis=1, keepdims=True).astype("float32")

    def __getitem__(self, i: int):
        return self.x[i], self.y[i]

    def __len__(self) -> int:
        return len(self.x)


def test_fit_tracks_batches_and_evaluations_with_fit_settings_as_params(repo: Path):
    paddle.set_device("cpu")
    paddle.seed(0)
    net = paddle.nn.Linear(3, 1)
    model = paddle.Model(net)
    model.prepare(paddle.optimizer.SGD(learning_rate=0.01, parameters=net.parameters()), paddle.nn.MSELoss())
    callback = AimCallback(repo=str(repo), experiment_name="paddle", system_tracking_interval=None)
    model.fit(_Data(), _Data(), epochs=2, batch_size=8, verbose=0, callbacks=[callback])

    run = only_run(repo)
    assert run.experiment == "paddle" and run["epochs"] == 2 and run["steps"] == 3
    steps, losses = series(run, "loss", {"subset": "train"})
    assert steps == [0, 1, 2] and all(v >= 0 for v in losses)  # each epoch's steps, the last kept
    assert run.get_metric("loss", {"subset": "train"}).epochs.values_list() == [1.0, 1.0, 1.0]
    assert len(series(run, "loss", {"subset": "valid"})[0]) == 2  # one evaluation per epoch
