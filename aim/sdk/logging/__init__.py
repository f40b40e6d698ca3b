"""`from aim.sdk.logging import LogRecord, LogRecords`, as in Aim."""

from aim._model.sequences import LogRecords
from aim.objects import LogRecord

__all__ = ["LogRecord", "LogRecords"]
