"""`from aim.storage.context import Context`, as in Aim."""

from aim._sequences import Context

__all__ = ["Context"]
