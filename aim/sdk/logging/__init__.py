"""`from aim.sdk.logging import LogRecord, LogRecords`, as in Aim."""

from aim._sequences import LogRecords
from aim.objects import LogRecord

__all__ = ["LogRecord", "LogRecords"]
