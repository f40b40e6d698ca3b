"""Aim's second import path of `aim.tensorflow`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.tensorflow import __all__

__getattr__ = forward(__name__, "aim.tensorflow", __all__)
