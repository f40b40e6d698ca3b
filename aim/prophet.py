"""Aim's import path of the Prophet integration (AimLogger).

Prophet itself is not imported here: AimLogger reads the model handed to it
(pip install 'aim-tracker[prophet]' for Prophet).
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.prophet import AimLogger

__all__ = ["AimLogger"]
__getattr__ = forward(__name__, "aim._integrations.prophet", __all__)
