"""Aim's second import path of `aim.prophet`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.prophet import __all__

__getattr__ = forward(__name__, "aim.prophet", __all__)
