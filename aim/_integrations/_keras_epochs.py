"""What Aim's Keras callbacks share (aim.keras on Keras 3, aim.tensorflow on tf.keras): the epoch logs."""

from __future__ import annotations

from typing import Any

from aim._integrations._runs import RunOwner


def epoch_naming(key: str) -> tuple[str, dict]:
    """'val_loss' -> ('loss', {'subset': 'val'}); other keys are of subset 'train'."""
    if key.startswith("val_"):
        return key[4:], {"subset": "val"}
    return key, {"subset": "train"}


class EpochLogsCallback(RunOwner):
    """Tracks the epoch logs (and the optimizer's learning rate as 'lr') at each epoch's end, 'val_'
    ones with {'subset': 'val'}, the others with {'subset': 'train'}. The run is made at __init__.
    Mixed before the framework's Callback class; subclasses say how to read the learning rate."""

    _open_at_init = True

    @classmethod
    def metrics(cls, repo: str | None = None, experiment: str | None = None, run: Any = None) -> Any:
        """AimCallback(repo, experiment): Aim's old spelling."""
        return cls(repo, experiment)

    def _rate_value(self, rate: Any) -> Any:
        """The optimizer's learning_rate (a variable) as a number or one-element array."""
        raise NotImplementedError

    def _learning_rate(self) -> Any:
        optimizer = getattr(getattr(self, "model", None), "optimizer", None)
        rate = getattr(optimizer, "learning_rate", None)
        try:
            return None if rate is None else self._rate_value(rate)
        except Exception:  # a schedule or a backend we cannot read: no lr point
            return None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = dict(logs or {})
        rate = self._learning_rate()
        if rate is not None and "lr" not in logs:
            logs["lr"] = rate
        self._tracker.track(self._slot.open(), logs, epoch=epoch, naming=epoch_naming)
