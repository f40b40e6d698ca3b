"""Aim's import path of the LightGBM integration (AimCallback).

LightGBM is imported when a name is first taken from here: pip install 'aim-tracker[lightgbm]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.lightgbm import AimCallback

__all__ = ["AimCallback"]
__getattr__ = forward(__name__, "aim._integrations.lightgbm", __all__)
