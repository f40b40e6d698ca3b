"""fastai's AimCallback, on a tiny tabular regression fit for two epochs on CPU.

fastai pulls PyPI's torchvision, which breaks torch imports beside Lightning and Transformers, so
this test runs in an environment of its own (scripts/run_marked.py makes .venv-fastai); in the
frameworks environment it skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integrations.helpers import only_run, series

pytest.importorskip("fastai", reason="fastai is not installed (aim-tracker[fastai], its own environment)")

import torch  # noqa: E402
from fastai.data.core import DataLoaders  # noqa: E402
from fastai.learner import Learner  # noqa: E402
from fastai.metrics import mae  # noqa: E402
from torch.utils.data import TensorDataset  # noqa: E402

from aim.fastai import AimCallback  # noqa: E402

pytestmark = [pytest.mark.frameworks, pytest.mark.fastai]


def test_fit_tracks_batches_hypers_and_epoch_metrics(repo: Path):
    torch.manual_seed(0)
    x = torch.randn(32, 3)
    y = x.sum(dim=1, keepdim=True)
    dls = DataLoaders.from_dsets(
        TensorDataset(x[:24], y[:24]), TensorDataset(x[24:], y[24:]), bs=8, device="cpu"
    )
    learn = Learner(dls, torch.nn.Linear(3, 1), loss_func=torch.nn.MSELoss(), metrics=[mae])
    callback = AimCallback(repo=str(repo), experiment_name="fastai", system_tracking_interval=None)
    learn.fit(2, lr=0.01, cbs=[callback])

    run = only_run(repo)
    assert run.experiment == "fastai"
    assert run["batch_size"] == 8 and run["batch_per_epoch"] == 3 and run["model_parameters"] == 4
    steps, losses = series(run, "train_loss", {"subset": "train"})
    assert steps == list(range(1, 7)) and all(v >= 0 for v in losses)  # 3 batches x 2 epochs, counted
    assert series(run, "lr_0", {"subset": "train"})[1] == pytest.approx([0.01] * 6)
    assert len(series(run, "train_loss", {"subset": "val"})[0]) >= 1
    assert len(series(run, "valid_loss")[0]) == 2 and len(series(run, "mae")[0]) == 2
