"""PyTorch Lightning's AimLogger, on a tiny model trained for a few steps on CPU."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (aim-tracker[lightning])")
torch = pytest.importorskip("torch", reason="torch is not installed")

from aim.pytorch_lightning import AimLogger  # noqa: E402
from tests.integrations.helpers import only_run, series, tracked  # noqa: E402

pytestmark = pytest.mark.frameworks


class Tiny(pl.LightningModule):
    def __init__(self, lr: float = 0.1, hidden: int = 4) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(2, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
        )

    def _loss(self, batch):
        x, y = batch
        return torch.nn.functional.mse_loss(self.net(x), y)

    def training_step(self, batch, batch_idx):
        loss = self._loss(batch)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", self._loss(batch))

    def test_step(self, batch, batch_idx):
        self.log("test_loss", self._loss(batch))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def _loader(batches: int = 4):
    torch.manual_seed(0)
    x = torch.randn(batches * 8, 2)
    data = torch.utils.data.TensorDataset(x, x.sum(dim=1, keepdim=True))
    return torch.utils.data.DataLoader(data, batch_size=8)


def _trainer(logger: AimLogger, **kwargs) -> pl.Trainer:
    return pl.Trainer(
        logger=logger,
        max_epochs=2,
        log_every_n_steps=1,
        accelerator="cpu",
        devices=1,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **kwargs,
    )


def test_training_tracks_hparams_and_metrics_with_subset_contexts(repo: Path):
    logger = AimLogger(repo=str(repo), experiment="tiny", run_name="lightning run")
    trainer = _trainer(logger)
    model = Tiny(lr=0.05)
    trainer.fit(model, _loader(), _loader(2))
    trainer.test(model, _loader(2), verbose=False)

    run = only_run(repo)
    assert run.experiment == "tiny" and run.name == "lightning run"
    assert run["hparams"] == {"lr": 0.05, "hidden": 4}
    steps, values = series(run, "loss", {"subset": "train"})
    assert steps == list(range(8)) and all(v >= 0 for v in values)
    assert len(series(run, "loss", {"subset": "val"})[0]) == 2  # one point per epoch
    assert len(series(run, "loss", {"subset": "test"})[0]) == 1
    epochs = run.get_metric("loss", {"subset": "train"}).epochs.values_list()
    assert epochs == [0.0] * 4 + [1.0] * 4
    assert logger.version == run.hash and logger.name == "tiny"


def test_resume_by_hash_and_custom_context_prefixes(repo: Path):
    first = AimLogger(repo=str(repo))
    run_hash = first.experiment.hash
    first.finalize("success")
    logger = AimLogger(
        repo=str(repo),
        run_hash=run_hash,
        context_prefixes={"subset": {"train": "tr/"}},
        context_postfixes={"kind": {"smooth": "@ema"}},
    )
    logger.log_metrics({"tr/loss@ema": 1.5, "epoch": 3}, step=7)
    copy = pickle.loads(pickle.dumps(logger))  # as DDP spawn ships it: the copy resumes the same run
    copy.log_metrics({"tr/loss@ema": 1.25}, step=8)
    copy.finalize("success")
    logger.finalize("success")
    run = only_run(repo)
    assert run.hash == run_hash
    assert series(run, "loss", {"subset": "train", "kind": "smooth"}) == ([7, 8], [1.5, 1.25])
    assert run.get_metric("loss", {"subset": "train", "kind": "smooth"}).epochs.values_list()[0] == 3.0


def test_bad_logs_do_not_stop_training(repo: Path):
    logger = AimLogger(repo=str(repo))
    with pytest.warns(RuntimeWarning, match="aim.pytorch_lightning.AimLogger skipped 'note'") as caught:
        logger.log_metrics(
            {
                "train_loss": torch.tensor(0.5),
                "note": "text",
                "weights": torch.ones(3),
                "missing": None,
                "nested": {"a": 1.0},
                "val_acc": float("nan"),
            },
            step=0,
        )
    assert len([w for w in caught if w.category is RuntimeWarning]) == 1
    logger.finalize("success")
    run = only_run(repo)
    assert series(run, "loss", {"subset": "train"}) == ([0], [0.5])
    assert sorted(tracked(run)) == [
        ("acc", {"subset": "val"}),
        ("loss", {"subset": "train"}),
    ]


def test_other_ranks_log_only_when_asked(repo: Path, monkeypatch: pytest.MonkeyPatch):
    from aim._integrations.pytorch_lightning import rank_zero_only

    run_hash = AimLogger(repo=str(repo)).experiment.hash
    monkeypatch.setattr(rank_zero_only, "rank", 1)
    quiet = AimLogger(repo=str(repo), run_hash=run_hash)
    quiet.log_metrics({"loss": 1.0}, step=0)
    shared = AimLogger(repo=str(repo), run_hash=run_hash, all_ranks=True)
    shared.log_metrics({"train_loss": 2.0}, step=0)
    shared.finalize("success")
    run = only_run(repo)
    assert tracked(run) == [("loss", {"subset": "train", "rank": 1})]
