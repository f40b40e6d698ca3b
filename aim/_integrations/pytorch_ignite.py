"""AimLogger for PyTorch Ignite, with its OutputHandler and OptimizerParamsHandler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aim._integrations._lazy import require
from aim._integrations._naming import ContextNaming, subset_prefixes
from aim._integrations._runs import RunOwner
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

_base = require(
    ("ignite.handlers.base_logger", "ignite.contrib.handlers.base_logger"),
    package="pytorch-ignite",
    extra="ignite",
    user="aim.pytorch_ignite",
)


class AimLogger(RunOwner, _base.BaseLogger):
    """Tracks an Ignite engine: attach_output_handler / attach_opt_params_handler as with Ignite's
    other loggers. Metric names starting with train_metric_prefix, val_metric_prefix or
    test_metric_prefix lose it and get {'subset': 'train' | 'val' | 'test'}."""

    _owner = "aim.pytorch_ignite.AimLogger"

    def __init__(
        self,
        repo: str | None = None,
        experiment: str | None = None,
        train_metric_prefix: str | None = "train_",
        val_metric_prefix: str | None = "val_",
        test_metric_prefix: str | None = "test_",
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
    ) -> None:
        self._own_run(repo, experiment, system_tracking_interval, log_system_params, capture_terminal_logs)
        self._naming = ContextNaming(
            subset_prefixes(train_metric_prefix, val_metric_prefix, test_metric_prefix)
        )

    def log_params(self, params: dict) -> None:
        """Store params under 'hparams'."""
        self._tracker.set_params(self.experiment, ("hparams",), params)

    def log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        """Track the numbers of metrics at step."""
        self._tracker.track(self.experiment, metrics, step=step, naming=self._naming)

    @property
    def save_dir(self) -> str:
        return self.experiment.repo.path

    @property
    def name(self) -> str | None:
        return self._slot.experiment

    @property
    def version(self) -> str:
        return self.experiment.hash

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


class OutputHandler(_base.BaseOutputHandler):
    """Logs an engine's output, metrics and state attributes as '<tag>_<name>' at the global step."""

    def __init__(
        self,
        tag: str,
        metric_names: str | list[str] | None = None,
        output_transform: Callable | None = None,
        global_step_transform: Callable | None = None,
        state_attributes: list[str] | None = None,
    ) -> None:
        super().__init__(tag, metric_names, output_transform, global_step_transform, state_attributes)

    def __call__(self, engine: Any, logger: AimLogger, event_name: Any) -> None:
        if not isinstance(logger, AimLogger):
            raise TypeError("OutputHandler works only with aim.pytorch_ignite.AimLogger")
        metrics = self._setup_output_metrics_state_attrs(engine)
        step = self.global_step_transform(engine, event_name)
        logger.log_metrics({"_".join(key): value for key, value in metrics.items()}, step=step)


class OptimizerParamsHandler(_base.BaseOptimizerParamsHandler):
    """Logs an optimizer parameter of each param group as '[<tag>_]<param>_group_<i>'."""

    def __init__(self, optimizer: Any, param_name: str = "lr", tag: str | None = None) -> None:
        super().__init__(optimizer, param_name, tag)

    def __call__(self, engine: Any, logger: AimLogger, event_name: Any) -> None:
        if not isinstance(logger, AimLogger):
            raise TypeError("OptimizerParamsHandler works only with aim.pytorch_ignite.AimLogger")
        prefix = f"{self.tag}_" if self.tag else ""
        params = {
            f"{prefix}{self.param_name}_group_{i}": group[self.param_name]
            for i, group in enumerate(self.optimizer.param_groups)
        }
        logger.log_metrics(params, step=engine.state.get_event_attrib_value(event_name))
