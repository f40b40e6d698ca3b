"""`from aim.sdk.sequences.image_sequence import Images`, as in Aim 3.x."""

from aim import Images

__all__ = ["Images"]
