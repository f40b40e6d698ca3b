"""Aim's second import path of `aim.keras_tuner`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.keras_tuner import __all__

__getattr__ = forward(__name__, "aim.keras_tuner", __all__)
