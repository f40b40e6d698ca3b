"""`from aim.sdk.run import Run`, as in Aim's documentation."""

from aim import Run

__all__ = ["Run"]
