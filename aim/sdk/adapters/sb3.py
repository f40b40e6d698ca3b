"""Aim's import path of the Stable-Baselines3 integration (AimCallback).

Stable-Baselines3 is imported when a name is first taken from here: pip install 'aim-tracker[sb3]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.sb3 import AimCallback

__all__ = ["AimCallback"]
__getattr__ = forward(__name__, "aim._integrations.sb3", __all__)
