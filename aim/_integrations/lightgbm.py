"""AimCallback for LightGBM (lightgbm.train and lightgbm.cv: callbacks=[AimCallback()])."""

from __future__ import annotations

from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner

require("lightgbm", package="lightgbm", extra="lightgbm", user="aim.lightgbm")


class AimCallback(RunOwner):
    """Tracks each evaluation result at each iteration (the step) as <metric> with context
    {'data_name': <dataset>}; lightgbm.cv's results as <metric>-mean and <metric>-stdv.
    The run stays open after training (close() closes it; so does the end of the process)."""

    order = 25  # where LightGBM runs it among its callbacks
    before_iteration = False

    _owner = "aim.lightgbm.AimCallback"

    def before_tracking(self, **kwargs: Any) -> None:
        """Called before each iteration's tracking (a hook for subclasses)."""

    def after_tracking(self, **kwargs: Any) -> None:
        """Called after each iteration's tracking (a hook for subclasses)."""

    def __call__(self, env: Any) -> None:
        run = self._slot.open()
        self.before_tracking(env=env)
        by_data: dict[str, dict[str, Any]] = {}
        for item in env.evaluation_result_list or ():
            if len(item) == 4:  # (data_name, eval_name, value, is_higher_better)
                by_data.setdefault(item[0], {})[item[1]] = item[2]
            elif len(item) == 5:  # cv: ('valid', 'l2', mean, is_higher_better, stdv); before
                # LightGBM 4.0: ('cv_agg', 'valid l2', ...)
                data_name, eval_name = item[1].split(" ", 1) if " " in item[1] else item[:2]
                values = by_data.setdefault(data_name, {})
                values[f"{eval_name}-mean"], values[f"{eval_name}-stdv"] = item[2], item[4]
        for data_name, values in by_data.items():
            context = {"data_name": data_name}
            self._tracker.track(run, values, step=env.iteration, naming=lambda key, c=context: (key, c))
        self.after_tracking(env=env)
