"""Aim's second import path of `aim.catboost`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.catboost import __all__

__getattr__ = forward(__name__, "aim.catboost", __all__)
