"""Aim's second import path of `aim.optuna`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.optuna import __all__

__getattr__ = forward(__name__, "aim.optuna", __all__)
