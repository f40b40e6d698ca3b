"""AimLoggingHandler for MXNet Gluon's Estimator.

MXNet was retired in 2023 and has no wheels for Python 3.10 and later, the Pythons aim-tracker
runs on: importing this module raises an ImportError saying so (and what to install) when mxnet
does not import.
"""

from __future__ import annotations

from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

_estimator = require(
    "mxnet.gluon.contrib.estimator",
    package="mxnet",
    extra="mxnet",
    user="aim.mxnet",
    hint=" (MXNet is retired and publishes no wheels for Python 3.10 and later: "
    "it needs a build of MXNet for this Python)",
)
_HANDLERS = tuple(
    getattr(_estimator, name)
    for name in ("TrainBegin", "TrainEnd", "EpochBegin", "EpochEnd", "BatchBegin", "BatchEnd")
)


def _naming(key: str) -> tuple[str, dict]:
    """'training loss' -> ('loss', {'subset': 'training'}), as Gluon names its metrics."""
    subset, sep, name = key.partition(" ")
    return (name, {"subset": subset}) if sep else (key, {})


class AimLoggingHandler(RunOwner, *_HANDLERS):
    """An Estimator event handler: the net, loss, optimizer and its learning rate as params at
    train begin, the metrics at each epoch's end (or every log_interval batches) at the batch
    index, with {'subset': 'training' | 'validation'} from Gluon's metric names."""

    _owner = "aim.mxnet.AimLoggingHandler"

    def __init__(
        self,
        log_interval: int | str = "epoch",
        repo: str | None = None,
        experiment_name: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
        metrics: list[Any] | None = None,
        priority: float = float("inf"),
    ) -> None:
        if not isinstance(log_interval, int) and log_interval != "epoch":
            raise ValueError("log_interval must be either an integer or string 'epoch'")
        self.log_interval, self.metrics, self.priority = log_interval, list(metrics or []), priority
        self.batch_index = self.current_epoch = 0
        self._own_run(
            repo, experiment_name, system_tracking_interval, log_system_params, capture_terminal_logs
        )

    def _track_metrics(self) -> None:
        values = dict(metric.get() for metric in self.metrics)
        self._tracker.track(self._slot.open(), values, step=self.batch_index, naming=_naming)

    def train_begin(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        self.batch_index = self.current_epoch = 0
        trainer = estimator.trainer
        params = {
            "arch": estimator.net.name,
            "loss": estimator.loss.name,
            "optimizer": type(trainer.optimizer).__name__,
            "lr": trainer.learning_rate,
            "max_epoch": estimator.max_epoch,
            "max_batch": estimator.max_batch,
        }
        self._tracker.set_params(self._slot.open(), (), params)

    def train_end(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        self.close()

    def epoch_begin(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        pass

    def epoch_end(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        self._track_metrics()
        self.current_epoch += 1
        self.batch_index = 0

    def batch_begin(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        pass

    def batch_end(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(self.log_interval, int) and self.batch_index % self.log_interval == 0:
            self._track_metrics()
        self.batch_index += 1
