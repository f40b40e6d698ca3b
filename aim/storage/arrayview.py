"""`from aim.storage.arrayview import ArrayView`, as in Aim: the type of a sequence's `values`."""

from aim._model.sequences import ArrayView

__all__ = ["ArrayView"]
