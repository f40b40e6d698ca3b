"""AimCallback for TensorFlow's Keras (tf.keras)."""

from __future__ import annotations

from typing import Any

from aim._integrations._keras_epochs import EpochLogsCallback
from aim._integrations._lazy import require

tf = require("tensorflow", package="tensorflow", extra="tensorflow", user="aim.tensorflow")


class AimCallback(EpochLogsCallback, tf.keras.callbacks.Callback):
    """Tracks tf.keras' epoch logs (and the optimizer's learning rate as 'lr') at each epoch's end,
    'val_' ones with {'subset': 'val'}, the others with {'subset': 'train'}. The run is made here."""

    _owner = "aim.tensorflow.AimCallback"

    def _rate_value(self, rate: Any) -> Any:
        value = getattr(rate, "numpy", None)
        return value() if callable(value) else rate


AimTracker = AimCallback  # Aim's older name
