"""`from aim.sdk.objects.figure import Figure`, as in Aim's documentation."""

from aim.objects import Figure

__all__ = ["Figure"]
