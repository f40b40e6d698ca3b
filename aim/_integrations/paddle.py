"""AimCallback for PaddlePaddle's high-level API (paddle.Model.fit)."""

from __future__ import annotations

from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

_callbacks = require("paddle.hapi.callbacks", package="paddlepaddle", extra="paddle", user="aim.paddle")


def _unwrapped(logs: dict | None) -> dict:
    """Paddle logs metrics as one-element lists: their element (longer lists stay, and are skipped)."""
    return {k: v[0] if isinstance(v, (list, tuple)) and len(v) == 1 else v for k, v in (logs or {}).items()}


class AimCallback(RunOwner, _callbacks.Callback):
    """Pass to model.fit(callbacks=[...]): fit's settings (epochs, batch_size, ...) become params,
    each training batch's logs are tracked at the batch's step with {'subset': 'train'}, and each
    evaluation's with {'subset': 'valid'}, all with the epoch."""

    _owner = "aim.paddle.AimCallback"

    def __init__(
        self,
        repo: str | None = None,
        experiment_name: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
    ) -> None:
        _callbacks.Callback.__init__(self)
        self.repo, self.experiment_name = repo, experiment_name
        self.epoch: int | None = None
        self._own_run(
            repo, experiment_name, system_tracking_interval, log_system_params, capture_terminal_logs
        )

    def setup(self, args: dict[str, Any] | None = None) -> None:
        """Open the run (resumed after close()); args become top-level params."""
        run = self._slot.open()
        if args:
            self._tracker.set_params(run, (), args)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.setup(getattr(self, "params", None))

    def on_epoch_begin(self, epoch: int | None = None, logs: dict | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, step: int, logs: dict | None = None) -> None:
        self._track(logs, {"subset": "train"}, step)

    def on_eval_end(self, logs: dict | None = None) -> None:
        self._track(logs, {"subset": "valid"})

    def on_train_end(self, logs: dict | None = None) -> None:
        self.close()

    def _track(self, logs: dict | None, context: dict, step: int | None = None) -> None:
        run = self._slot.open()
        self._tracker.track(run, _unwrapped(logs), step=step, epoch=self.epoch, naming=lambda k: (k, context))
