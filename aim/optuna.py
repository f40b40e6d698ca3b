"""Aim's import path of the Optuna integration (AimCallback).

Optuna is imported when a name is first taken from here: pip install 'aim-tracker[optuna]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.optuna import AimCallback

__all__ = ["AimCallback"]
__getattr__ = forward(__name__, "aim._integrations.optuna", __all__)
