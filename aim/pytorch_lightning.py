"""Aim's import path of the PyTorch Lightning integration (AimLogger).

PyTorch Lightning is imported when a name is first taken from here: pip install 'aim-tracker[lightning]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.pytorch_lightning import AimLogger

__all__ = ["AimLogger"]
__getattr__ = forward(__name__, "aim._integrations.pytorch_lightning", __all__)
