"""Aim's second import path of `aim.sb3`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.sb3 import __all__

__getattr__ = forward(__name__, "aim.sb3", __all__)
