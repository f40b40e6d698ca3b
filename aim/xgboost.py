"""Aim's import path of the XGBoost integration (AimCallback).

XGBoost is imported when a name is first taken from here: pip install 'aim-tracker[xgboost]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.xgboost import AimCallback

__all__ = ["AimCallback"]
__getattr__ = forward(__name__, "aim._integrations.xgboost", __all__)
