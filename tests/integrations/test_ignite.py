"""PyTorch Ignite's AimLogger, on a tiny model trained for a few iterations on CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed")
ignite = pytest.importorskip("ignite", reason="pytorch-ignite is not installed (aim-tracker[ignite])")

from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer  # noqa: E402
from ignite.metrics import Loss  # noqa: E402

from aim.pytorch_ignite import AimLogger  # noqa: E402
from tests.integrations.helpers import only_run, series  # noqa: E402

pytestmark = pytest.mark.frameworks


def test_engine_output_metrics_and_learning_rate_are_tracked(repo: Path):
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    x = torch.randn(16, 2)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True)), batch_size=4
    )
    trainer = create_supervised_trainer(model, optimizer, torch.nn.functional.mse_loss)
    evaluator = create_supervised_evaluator(model, metrics={"loss": Loss(torch.nn.functional.mse_loss)})

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine):
        evaluator.run(loader)

    with AimLogger(repo=str(repo), experiment="ignite") as logger:
        logger.log_params({"lr": 0.05, "batch_size": 4})
        logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="train", output_transform=lambda loss: {"loss": loss}
        )
        logger.attach_output_handler(
            evaluator,
            Events.EPOCH_COMPLETED,
            tag="val",
            metric_names="all",
            global_step_transform=lambda *_: trainer.state.iteration,
        )
        logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
        trainer.run(loader, max_epochs=2)
        assert logger.version == logger.experiment.hash

    run = only_run(repo)
    assert run.experiment == "ignite" and run["hparams"] == {"lr": 0.05, "batch_size": 4}
    assert series(run, "loss", {"subset": "train"})[0] == list(range(1, 9))
    assert series(run, "loss", {"subset": "val"})[0] == [4, 8]
    assert series(run, "lr_group_0")[1] == pytest.approx([0.05] * 8)


def test_bad_metrics_do_not_stop_the_engine(repo: Path):
    logger = AimLogger(repo=str(repo))
    with pytest.warns(RuntimeWarning, match="aim.pytorch_ignite.AimLogger skipped 'val_text'"):
        logger.log_metrics({"val_text": "x", "val_acc": torch.tensor(0.75)}, step=2)
    logger.close()
    assert series(only_run(repo), "acc", {"subset": "val"}) == ([2], [0.75])
