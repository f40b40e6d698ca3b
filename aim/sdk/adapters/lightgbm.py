"""Aim's second import path of `aim.lightgbm`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.lightgbm import __all__

__getattr__ = forward(__name__, "aim.lightgbm", __all__)
