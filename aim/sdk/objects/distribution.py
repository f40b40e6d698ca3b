"""`from aim.sdk.objects.distribution import Distribution`, as in Aim's documentation."""

from aim.objects import Distribution

__all__ = ["Distribution"]
