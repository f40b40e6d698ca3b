"""AimCallback for XGBoost's training API (xgboost.train and xgboost.cv)."""

from __future__ import annotations

from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner

TrainingCallback = require(
    "xgboost.callback", package="xgboost", extra="xgboost", user="aim.xgboost"
).TrainingCallback


class AimCallback(RunOwner, TrainingCallback):
    """Tracks each evaluation metric at each boosting round (the step), with context
    {'data_name': <evals name>, 'stdv': False}; xgboost.cv's standard deviations go with
    'stdv': True. The run opens before training and closes after it."""

    _owner = "aim.xgboost.AimCallback"

    def before_training(self, model: Any) -> Any:
        self.setup()
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
        run = self._slot.open()
        for data_name, metrics in (evals_log or {}).items():
            means, stdvs = {}, {}
            for metric_name, history in metrics.items():
                last = history[-1] if len(history) else None
                if isinstance(last, tuple):
                    means[metric_name], stdvs[metric_name] = last[0], last[1]
                else:
                    means[metric_name] = last
            for stdv, values in ((False, means), (True, stdvs)):
                context = {"data_name": data_name, "stdv": stdv}
                self._tracker.track(run, values, step=epoch, naming=lambda key, c=context: (key, c))
        return False  # never stops training

    def after_training(self, model: Any) -> Any:
        self.close()
        return model
