"""`from aim.storage.context import Context`, as in Aim."""

from aim._values.context import Context

__all__ = ["Context"]
