"""Aim's second import path of `aim.mxnet`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.mxnet import __all__

__getattr__ = forward(__name__, "aim.mxnet", __all__)
