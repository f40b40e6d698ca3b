"""Aim's import path of the PyTorch Ignite integration (AimLogger, OptimizerParamsHandler, OutputHandler).

PyTorch Ignite is imported when a name is first taken from here: pip install 'aim-tracker[ignite]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.pytorch_ignite import AimLogger, OptimizerParamsHandler, OutputHandler

__all__ = ["AimLogger", "OptimizerParamsHandler", "OutputHandler"]
__getattr__ = forward(__name__, "aim._integrations.pytorch_ignite", __all__)
