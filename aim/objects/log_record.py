"""aim.LogRecord: one message of a run's log (Run.log_info() & co.), as Aim's aim.log_record."""

from __future__ import annotations

import json
import time
from typing import Any

from aimproto.contract import MAX_META_BYTES

# logging's levels, by value: importing logging would slow `import aim` down by milliseconds
DEBUG, INFO, WARNING, ERROR = 10, 20, 30, 40
MAX_ARGS_BYTES = MAX_META_BYTES // 2  # a record's keyword arguments, as JSON (the rest: room for its meta)


class LogRecord:
    """A message at a logging level (logging.INFO, ...), with the time, the caller's (file, line)
    and any keyword arguments (JSON values) logged with it."""

    KIND = "log_record"
    __slots__ = ("message", "level", "timestamp", "logger_info", "args")

    def __init__(
        self,
        message: str,
        level: int,
        timestamp: float | None = None,
        logger_info: tuple[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(message, str):
            raise TypeError(f"a log message must be a str, not {type(message).__name__}")
        if isinstance(level, bool) or not isinstance(level, int):
            raise TypeError(f"a log level must be an int (logging.INFO, ...), not {type(level).__name__}")
        try:
            size = len(json.dumps(kwargs).encode("utf-8", "surrogatepass"))
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"log record arguments must be JSON values (str, number, list, dict): {exc}"
            ) from None
        if size > MAX_ARGS_BYTES:
            raise ValueError(f"log record arguments are {size} bytes as JSON, over {MAX_ARGS_BYTES}")
        self.message = message
        self.level = level
        self.timestamp = time.time() if timestamp is None else float(timestamp)
        self.logger_info = tuple(logger_info) if logger_info else None
        self.args = kwargs or None

    def _record(self) -> tuple[dict, bytes]:
        """(meta, payload): meta holds the level, time, caller and arguments; payload the message."""
        meta: dict[str, Any] = {"log_level": self.level, "timestamp": self.timestamp}
        if self.logger_info:
            meta["logger_info"] = list(self.logger_info)
        if self.args:
            meta["extra_args"] = self.args
        return meta, self.message.encode("utf-8", "surrogatepass")

    @classmethod
    def _from_record(cls, meta: dict, payload: bytes) -> LogRecord:
        info = meta.get("logger_info")
        return cls(
            bytes(payload).decode("utf-8", "surrogatepass"),
            meta["log_level"],
            timestamp=meta["timestamp"],
            logger_info=tuple(info) if info else None,
            **(meta.get("extra_args") or {}),
        )

    def json(self) -> dict:
        """As Aim shows a log record: message, level name, timestamp and arguments."""
        import logging

        return {
            "message": self.message,
            "log_level": logging.getLevelName(self.level),
            "timestamp": self.timestamp,
            "args": self.args,
        }

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, LogRecord):
            return NotImplemented
        return self.json() == other.json() and self.logger_info == other.logger_info

    def __hash__(self) -> int:
        return hash((self.KIND, self.message, self.level, self.timestamp))

    def __repr__(self) -> str:
        return f"LogRecord({self.json()['log_level']}: {self.message[:60]!r})"
