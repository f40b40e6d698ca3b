"""AimCallback for KerasTuner (keras_tuner 1.x): a run per trial."""

from __future__ import annotations

from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

keras_tuner = require("keras_tuner", package="keras-tuner", extra="keras-tuner", user="aim.keras_tuner")
from keras_tuner.src.backend import keras  # noqa: E402 (the Keras the tuner trains with)


class AimCallback(RunOwner, keras.callbacks.Callback):
    """Pass to tuner.search(callbacks=[AimCallback(tuner=tuner, ...)]): each trial gets its own run,
    holding 'trial_id' and the trial's hyperparameters as params, and each batch's logs are
    tracked (without context, at successive steps). KerasTuner copies the callbacks for each
    execution of a trial; a copy shares the tuner and makes its own run."""

    _owner = "aim.keras_tuner.AimCallback"

    def __init__(
        self,
        tuner: Any = None,
        repo: str | None = None,
        experiment: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
    ) -> None:
        keras.callbacks.Callback.__init__(self)
        self.tuner = tuner
        self._args = (repo, experiment, system_tracking_interval, log_system_params, capture_terminal_logs)
        self._trial_id: str | None = None
        self._own_run(*self._args)

    def __deepcopy__(self, memo: dict) -> AimCallback:
        return type(self)(self.tuner, *self._args)

    def _current_trial(self) -> Any:
        trials = getattr(getattr(self.tuner, "oracle", None), "ongoing_trials", None) or {}
        return next(iter(trials.values()), None)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        trial = self._current_trial()
        if trial is None or trial.trial_id == self._trial_id:
            return
        if self._trial_id is not None:  # a callback reused for another trial: a new run
            self.close()
            self._own_run(*self._args)
        self._trial_id = trial.trial_id
        run = self._slot.open()
        run["trial_id"] = trial.trial_id
        self._tracker.set_params(run, (), trial.hyperparameters.values)

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if logs:
            self._tracker.track(self._slot.open(), logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        self.close()
