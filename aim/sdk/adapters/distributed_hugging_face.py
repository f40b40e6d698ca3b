"""Aim's second import path of `aim.distributed_hugging_face`: the same names, the framework imported when
one is first taken."""

from aim._integrations._lazy import forward
from aim.distributed_hugging_face import __all__

__getattr__ = forward(__name__, "aim.distributed_hugging_face", __all__)
