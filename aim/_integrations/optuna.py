"""AimCallback for Optuna: study.optimize(objective, callbacks=[AimCallback()])."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

require("optuna", package="optuna", extra="optuna", user="aim.optuna")


class AimCallback(RunOwner):
    """Tracks an Optuna study. By default one run holds the study: each trial's params and
    objective values are tracked as metrics at step trial.number. With as_multirun=True each
    trial gets its own run ('trial-<number>'), its params under 'hparams' and its values (and
    'trial_number') as params. metric_name names the objective values ('value'; with several
    objectives 'value_0', 'value_1', ... or one name each from a sequence)."""

    _owner = "aim.optuna.AimCallback"

    def __init__(
        self,
        metric_name: str | Sequence[str] = "value",
        as_multirun: bool = False,
        repo: str | None = None,
        experiment_name: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
    ) -> None:
        if not isinstance(metric_name, Sequence):
            raise TypeError(
                f"metric_name must be a str or a sequence of str, not {type(metric_name).__name__}"
            )
        self._own_run(
            repo, experiment_name, system_tracking_interval, log_system_params, capture_terminal_logs
        )
        self._metric_name = metric_name
        self._as_multirun = as_multirun
        if not as_multirun:
            self._slot.open()

    def _names(self, count: int) -> list[str]:
        if count == 0:  # a pruned or failed trial has no values
            return []
        if isinstance(self._metric_name, str):
            return [f"{self._metric_name}_{i}" for i in range(count)] if count > 1 else [self._metric_name]
        if len(self._metric_name) != count:
            raise ValueError(
                f"the objective returned {count} values but metric_name has {len(self._metric_name)} names"
            )
        return list(self._metric_name)

    def _trial_run(self, number: int) -> Any:
        """The run of trial number: a fresh one per trial as a multirun, else the study's run."""
        if self._as_multirun and self._slot.run is None:
            self._slot.run_hash = None
            self._slot.open().name = f"trial-{number}"
        return self._slot.open()

    def __call__(self, study: Any, trial: Any) -> None:
        values = list(trial.values or ())
        metrics: dict[str, Any] = dict(zip(self._names(len(values)), values, strict=True))
        run = self._trial_run(trial.number)
        tracker = self._tracker
        tracker.set_params(run, ("hparams",), {"direction": [d.name for d in study.directions]})
        tracker.set_params(run, (), {"study_name": study.study_name})
        if self._as_multirun:
            tracker.set_params(run, ("hparams",), trial.params)
            tracker.set_params(run, (), {**metrics, "trial_number": trial.number})
            self.close()
        else:
            tracker.track(run, {**trial.params, **metrics}, step=trial.number)

    def close(self) -> None:
        """Close the run; the next trial (or study) starts a new one."""
        self._slot.close()
        self._slot.run_hash = None

    def track_in_aim(self) -> Callable:
        """A decorator for the objective: the trial's run is open while it runs, so the objective
        can track into `callback.experiment` (use as_multirun=True to get one run per trial)."""

        def decorator(objective: Callable) -> Callable:
            @functools.wraps(objective)
            def wrapper(trial: Any) -> Any:
                self._trial_run(trial.number)
                return objective(trial)

            return wrapper

        return decorator
