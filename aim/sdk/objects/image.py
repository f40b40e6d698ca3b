"""`from aim.sdk.objects.image import Image`, as in Aim's documentation."""

from aim.objects import Image

__all__ = ["Image"]
