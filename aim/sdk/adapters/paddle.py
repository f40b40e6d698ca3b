"""Aim's second import path of `aim.paddle`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.paddle import __all__

__getattr__ = forward(__name__, "aim.paddle", __all__)
