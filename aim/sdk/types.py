"""`from aim.sdk.types import QueryReportMode`, as in Aim."""

from aim._model.query import QueryReportMode

__all__ = ["QueryReportMode"]
