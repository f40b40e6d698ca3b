"""`from aim.sdk.objects.audio import Audio`, as in Aim's documentation."""

from aim.objects import Audio

__all__ = ["Audio"]
