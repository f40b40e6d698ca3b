"""AimLogger for PyTorch Lightning (`lightning`, or the older `pytorch_lightning` package)."""

from __future__ import annotations

import importlib
import os
import warnings
from argparse import Namespace
from typing import Any

from aim import Run
from aim._integrations._lazy import require
from aim._integrations._naming import ContextNaming, subset_prefixes
from aim._integrations._runs import RunOwner
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

_pl = require(
    ("lightning.pytorch", "pytorch_lightning"),
    package="lightning",
    extra="lightning",
    user="aim.pytorch_lightning",
)
_logger = importlib.import_module(f"{_pl.__name__}.loggers.logger")
Logger, rank_zero_experiment = _logger.Logger, _logger.rank_zero_experiment
rank_zero_only = importlib.import_module(f"{_pl.__name__}.utilities").rank_zero_only


def _prefixes(
    train: str | None, val: str | None, test: str | None, context_prefixes: dict | None
) -> dict[str, dict[str, str]]:
    """context_prefixes, or the subset prefixes of the deprecated *_metric_prefix arguments."""
    given = {"train": train, "val": val, "test": test}
    changed = [f"{subset}_metric_prefix" for subset, prefix in given.items() if prefix != f"{subset}_"]
    if context_prefixes is not None:
        if changed:
            raise ValueError(f"{', '.join(changed)} cannot be used together with context_prefixes")
        return context_prefixes
    for argument in changed:
        warnings.warn(
            f"AimLogger({argument}=...) is deprecated: use context_prefixes", DeprecationWarning, stacklevel=4
        )
    return subset_prefixes(train, val, test)


class AimLogger(RunOwner, Logger):
    """Tracks a Lightning run: hyperparameters under 'hparams', and metrics whose context comes from
    their name ('val_loss' -> 'loss' with {'subset': 'val'}; context_prefixes and context_postfixes
    map more). Only global rank zero logs, unless all_ranks=True: then every rank tracks into the
    run of run_hash (pass the same hash to each rank) with {'rank': global rank} added to contexts.
    """

    _owner = "aim.pytorch_lightning.AimLogger"

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
        run_name: str | None = None,
        run_hash: str | None = None,
        context_prefixes: dict | None = None,
        context_postfixes: dict | None = None,
        *,
        all_ranks: bool = False,
    ) -> None:
        super().__init__()
        self._own_run(
            repo,
            experiment,
            system_tracking_interval,
            log_system_params,
            capture_terminal_logs,
            run_hash,
            run_name,
        )
        self._naming = ContextNaming(
            _prefixes(train_metric_prefix, val_metric_prefix, test_metric_prefix, context_prefixes),
            context_postfixes,
        )
        self._all_ranks = all_ranks

    def _logs_here(self) -> bool:
        return self._all_ranks or getattr(rank_zero_only, "rank", 0) == 0

    @property
    @rank_zero_experiment
    def experiment(self) -> Run:
        """The run (made on first use; on other ranks than zero, Lightning's dummy)."""
        return self._slot.open()

    @property
    def _run(self) -> Run:
        return self._slot.open()

    @rank_zero_only
    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        if isinstance(params, Namespace):
            params = vars(params)
        self._tracker.set_params(self._run, ("hparams",), params or {})

    def log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        if not self._logs_here():
            return
        metrics = dict(metrics)
        epoch = metrics.pop("epoch", None)
        try:
            epoch = None if epoch is None else int(epoch)
        except (TypeError, ValueError):
            self._tracker.skip("epoch", f"{epoch!r} is not an epoch number")
            epoch = None
        self._tracker.track(self._run, metrics, step=step, epoch=epoch, naming=self.parse_context)

    def parse_context(self, name: str) -> tuple[str, dict]:
        """(name, context) of a logged key: one prefix and one postfix per context key are stripped."""
        name, context = self._naming(name)
        if self._all_ranks:
            context["rank"] = getattr(rank_zero_only, "rank", 0)
        return name, context

    def finalize(self, status: str = "") -> None:
        super().finalize(status)
        if self._logs_here():
            self._slot.close()

    @property
    def save_dir(self) -> str:
        """<repo>/.aim, where Lightning puts checkpoints of this logger (as Aim does)."""
        return os.path.join(self._run.repo.path, ".aim")

    @property
    def name(self) -> str | None:
        return self._slot.experiment

    @property
    def version(self) -> str:
        return self._run.hash
