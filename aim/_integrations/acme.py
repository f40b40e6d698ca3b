"""AimCallback (a run) and AimWriter (an Acme logger into it) for DeepMind's Acme."""

from __future__ import annotations

from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner
from aim._integrations._values import LogTracker
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

_base = require("acme.utils.loggers.base", package="dm-acme", extra="acme", user="aim.acme")


class AimCallback(RunOwner):
    """The run Acme's loggers write into (made here); args become top-level params. track(logs)
    tracks a dict of numbers."""

    _owner = "aim.acme.AimCallback"

    def __init__(
        self,
        repo: str | None = None,
        experiment_name: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
        args: dict[str, Any] | None = None,
    ) -> None:
        self._own_run(
            repo, experiment_name, system_tracking_interval, log_system_params, capture_terminal_logs
        )
        self.setup(args)

    def setup(self, args: dict[str, Any] | None = None) -> None:
        """Open the run (resumed after close()); args become top-level params."""
        run = self._slot.open()
        if args:
            self._tracker.set_params(run, (), args)

    def track(self, logs: dict[str, Any], step: int | None = None, context: dict | None = None) -> None:
        """Track each number of logs at step under context."""
        self._tracker.track(self._slot.open(), logs, step=step, naming=lambda key: (key, context or {}))


class AimWriter(_base.Logger):
    """An Acme logger: each write() tracks the numbers it is given into aim_run (an aim Run, e.g.
    AimCallback(...).experiment) with the context {'logger_label': logger_label}."""

    def __init__(self, aim_run: Any, logger_label: str, steps_key: str, task_id: int) -> None:
        self.aim_run, self.logger_label = aim_run, logger_label
        self.steps_key, self.task_id = steps_key, task_id
        self._tracker = LogTracker("aim.acme.AimWriter")

    def write(self, values: Any) -> None:
        context = {"logger_label": self.logger_label}
        self._tracker.track(self.aim_run, dict(values), naming=lambda key: (key, context))

    def close(self) -> None:
        if self.aim_run is not None and self.aim_run.active:
            self.aim_run.close()
