"""Aim's second import path of `aim.fastai`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.fastai import __all__

__getattr__ = forward(__name__, "aim.fastai", __all__)
