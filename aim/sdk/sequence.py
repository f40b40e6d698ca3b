"""`from aim.sdk.sequence import Sequence`, as in Aim's documentation (MediaSequenceBase: the base
of the object sequences)."""

from aim import Sequence
from aim._model.sequences import ObjectSequence as MediaSequenceBase

__all__ = ["MediaSequenceBase", "Sequence"]
