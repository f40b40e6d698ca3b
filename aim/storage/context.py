"""`from aim.storage.context import Context`, as in Aim."""

from aim._context import Context

__all__ = ["Context"]
