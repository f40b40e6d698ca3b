"""Aim's import path of the TensorFlow (tf.keras) integration (AimCallback, AimTracker).

TensorFlow is imported when a name is first taken from here: pip install 'aim-tracker[tensorflow]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.tensorflow import AimCallback, AimTracker

__all__ = ["AimCallback", "AimTracker"]
__getattr__ = forward(__name__, "aim._integrations.tensorflow", __all__)
