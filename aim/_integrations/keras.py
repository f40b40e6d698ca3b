"""AimCallback for Keras 3 (any backend)."""

from __future__ import annotations

from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner

keras = require(
    "keras",
    package="keras",
    extra="keras",
    user="aim.keras",
    hint=" (Keras 3 also needs its backend: torch, jax or tensorflow, named by KERAS_BACKEND)",
)


def _naming(key: str) -> tuple[str, dict]:
    """'val_loss' -> ('loss', {'subset': 'val'}); other keys are of subset 'train'."""
    if key.startswith("val_"):
        return key[4:], {"subset": "val"}
    return key, {"subset": "train"}


class AimCallback(RunOwner, keras.callbacks.Callback):
    """Tracks Keras' epoch logs (and the optimizer's learning rate as 'lr') at each epoch's end,
    'val_' ones with {'subset': 'val'}, the others with {'subset': 'train'}. The run is made here."""

    _owner = "aim.keras.AimCallback"
    _open_at_init = True

    @classmethod
    def metrics(cls, repo: str | None = None, experiment: str | None = None, run: Any = None) -> AimCallback:
        """AimCallback(repo, experiment): Aim's old spelling."""
        return cls(repo, experiment)

    def _learning_rate(self) -> Any:
        optimizer = getattr(getattr(self, "model", None), "optimizer", None)
        rate = getattr(optimizer, "learning_rate", None)
        try:
            return None if rate is None else keras.ops.convert_to_numpy(rate)
        except Exception:  # a schedule or a backend we cannot read: no lr point
            return None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = dict(logs or {})
        rate = self._learning_rate()
        if rate is not None and "lr" not in logs:
            logs["lr"] = rate
        self._tracker.track(self._slot.open(), logs, epoch=epoch, naming=_naming)


AimTracker = AimCallback  # Aim's older name
