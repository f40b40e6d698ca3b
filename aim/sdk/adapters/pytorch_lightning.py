"""Aim's second import path of `aim.pytorch_lightning`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.pytorch_lightning import __all__

__getattr__ = forward(__name__, "aim.pytorch_lightning", __all__)
