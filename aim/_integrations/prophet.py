"""AimLogger for Prophet: the model's settings as params, and metrics the user computes."""

from __future__ import annotations

from typing import Any

from aim._integrations._runs import RunOwner
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT


class AimLogger(RunOwner):
    """Prophet has no callbacks and no training loss: AimLogger(model) stores the model's
    attributes as params at once, and track_metrics() tracks metrics the user computed (with
    {'subset': 'val'} unless a context is given). Prophet itself is not imported here."""

    _owner = "aim.prophet.AimLogger"

    def __init__(
        self,
        prophet_model: Any,
        repo: str | None = None,
        experiment: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
    ) -> None:
        super().__init__(repo, experiment, system_tracking_interval, log_system_params, capture_terminal_logs)
        self.setup(vars(prophet_model))

    def setup(self, hparams: dict[str, Any] | None = None) -> None:
        """Open the run (resumed after close()); hparams become top-level params."""
        run = self._slot.open()
        if hparams:
            self._tracker.set_params(run, (), hparams)

    def track_metrics(self, metrics: dict[str, Any], context: dict | None = None) -> None:
        """Track each of metrics (name -> number) under context, {'subset': 'val'} by default."""
        context = {"subset": "val"} if context is None else context
        self._tracker.track(self._slot.open(), metrics, naming=lambda key: (key, context))
