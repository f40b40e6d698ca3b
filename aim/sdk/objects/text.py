"""`from aim.sdk.objects.text import Text`, as in Aim's documentation."""

from aim.objects import Text

__all__ = ["Text"]
