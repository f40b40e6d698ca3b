"""AimCallback for Keras 3 (any backend)."""

from __future__ import annotations

from typing import Any

from aim._integrations._keras_epochs import EpochLogsCallback
from aim._integrations._lazy import require

keras = require(
    "keras",
    package="keras",
    extra="keras",
    user="aim.keras",
    hint=" (Keras 3 also needs its backend: torch, jax or tensorflow, named by KERAS_BACKEND)",
)


class AimCallback(EpochLogsCallback, keras.callbacks.Callback):
    """Tracks Keras' epoch logs (and the optimizer's learning rate as 'lr') at each epoch's end,
    'val_' ones with {'subset': 'val'}, the others with {'subset': 'train'}. The run is made here."""

    _owner = "aim.keras.AimCallback"

    def _rate_value(self, rate: Any) -> Any:
        return keras.ops.convert_to_numpy(rate)


AimTracker = AimCallback  # Aim's older name
