"""Aim's second import path of `aim.acme`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.acme import __all__

__getattr__ = forward(__name__, "aim.acme", __all__)
