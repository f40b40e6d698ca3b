"""Aim's import path of the KerasTuner integration (AimCallback).

KerasTuner is imported when a name is first taken from here: pip install 'aim-tracker[keras-tuner]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.keras_tuner import AimCallback

__all__ = ["AimCallback"]
__getattr__ = forward(__name__, "aim._integrations.keras_tuner", __all__)
