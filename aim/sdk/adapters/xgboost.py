"""Aim's second import path of `aim.xgboost`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.xgboost import __all__

__getattr__ = forward(__name__, "aim.xgboost", __all__)
