"""Aim's second import path of `aim.pytorch`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.pytorch import __all__

__getattr__ = forward(__name__, "aim.pytorch", __all__)
