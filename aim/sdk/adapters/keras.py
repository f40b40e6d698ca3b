"""Aim's second import path of `aim.keras`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.keras import __all__

__getattr__ = forward(__name__, "aim.keras", __all__)
