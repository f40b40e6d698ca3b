"""`from aim.sdk.image_sequence import Images`, as in Aim's documentation."""

from aim import Images

__all__ = ["Images"]
