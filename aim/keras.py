"""Aim's import path of the Keras integration (AimCallback, AimTracker).

Keras is imported when a name is first taken from here: pip install 'aim-tracker[keras]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.keras import AimCallback, AimTracker

__all__ = ["AimCallback", "AimTracker"]
__getattr__ = forward(__name__, "aim._integrations.keras", __all__)
