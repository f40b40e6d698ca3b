"""Aim's import path of the MXNet integration (AimLoggingHandler).

MXNet is imported when a name is first taken from here; it has no wheels for Python 3.10+.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.mxnet import AimLoggingHandler

__all__ = ["AimLoggingHandler"]
__getattr__ = forward(__name__, "aim._integrations.mxnet", __all__)
