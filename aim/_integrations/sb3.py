"""AimCallback for Stable-Baselines3: the model's logger writes into the run."""

from __future__ import annotations

from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

_callbacks, _logger = (
    require(module, package="stable-baselines3", extra="sb3", user="aim.sb3")
    for module in ("stable_baselines3.common.callbacks", "stable_baselines3.common.logger")
)
BaseCallback, KVWriter, Logger = _callbacks.BaseCallback, _logger.KVWriter, _logger.Logger

SUBSETS = ("train", "valid")


def sb3_naming(key: str) -> tuple[str, dict]:
    """'train/loss' -> ('loss', {'subset': 'train'}); 'rollout/ep_rew_mean' -> ('ep_rew_mean',
    {'tag': 'rollout'}); a key without a '/' keeps its name, without context."""
    tag, sep, name = key.partition("/")
    if not sep:
        return key, {}
    return name, {"subset": tag} if tag in SUBSETS else {"tag": tag}


class AimOutputFormat(KVWriter):
    """An SB3 logger output that tracks the numbers of each dump at its step (values excluded
    for 'aim' are left out)."""

    def __init__(self, aim_callback: AimCallback) -> None:
        self.aim_callback = aim_callback

    def write(self, key_values: dict[str, Any], key_excluded: dict[str, Any], step: int = 0) -> None:
        logs = {
            key: value
            for key, value in key_values.items()
            if not (key_excluded.get(key) and "aim" in key_excluded[key]) and not isinstance(value, str)
        }
        self.aim_callback.track_logs(logs, step)

    def close(self) -> None:
        pass


class AimCallback(RunOwner, BaseCallback):
    """Pass to model.learn(callback=...): the run gets the algorithm ('algo') and the model's
    attributes as params, and every value SB3 logs becomes a metric at SB3's step ('train/x' and
    'valid/x' with {'subset': ...}, other 'tag/x' with {'tag': tag})."""

    _owner = "aim.sb3.AimCallback"

    def __init__(
        self,
        repo: str | None = None,
        experiment_name: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
        verbose: int = 0,
    ) -> None:
        BaseCallback.__init__(self, verbose)
        self.repo, self.experiment_name = repo, experiment_name
        self._own_run(
            repo, experiment_name, system_tracking_interval, log_system_params, capture_terminal_logs
        )

    def _init_callback(self) -> None:
        params = {"algo": type(self.model).__name__}
        for key, value in vars(self.model).items():
            params[key] = value if type(value) in (float, int, str) else str(value)
        self.setup(args=params)
        self.model.set_logger(Logger(folder=None, output_formats=[AimOutputFormat(self)]))

    def _on_step(self) -> bool:
        return True

    def track_logs(self, logs: dict[str, Any], step: int) -> None:
        """Track one dump of SB3's logger at its step."""
        self._tracker.track(self.experiment, logs, step=step, naming=sb3_naming)

    def _on_training_end(self) -> None:
        self.close()

    def setup(self, args: dict[str, Any] | None = None) -> None:
        """Open the run (resumed after close()); args become top-level params."""
        run = self._slot.open()
        if args:
            self._tracker.set_params(run, (), args)
