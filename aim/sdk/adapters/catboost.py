"""Aim's import path of the CatBoost integration (AimLogger).

CatBoost is imported when a name is first taken from here: pip install 'aim-tracker[catboost]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.catboost import AimLogger

__all__ = ["AimLogger"]
__getattr__ = forward(__name__, "aim._integrations.catboost", __all__)
