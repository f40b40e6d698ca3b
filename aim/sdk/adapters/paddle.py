"""Aim's import path of the PaddlePaddle integration (AimCallback).

PaddlePaddle is imported when a name is first taken from here: pip install 'aim-tracker[paddle]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.paddle import AimCallback

__all__ = ["AimCallback"]
__getattr__ = forward(__name__, "aim._integrations.paddle", __all__)
