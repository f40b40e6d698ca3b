"""Aim's import path of the distributed Hugging Face integration (AimCallback).

Transformers and Accelerate are imported when a name is first taken from here: pip install
'aim-tracker[transformers]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.distributed_hugging_face import AimCallback

__all__ = ["AimCallback"]
__getattr__ = forward(__name__, "aim._integrations.distributed_hugging_face", __all__)
