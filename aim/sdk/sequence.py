"""`from aim.sdk.sequence import Sequence`, as in Aim's documentation."""

from aim import Sequence

__all__ = ["Sequence"]
