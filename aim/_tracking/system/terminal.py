"""Terminal-log capture: what this process writes to sys.stdout and sys.stderr, line by line.

The streams keep their identity: their `write` is wrapped on the instance (so loggers holding
the stream object are captured too), the text goes to the stream first, unchanged, and then to
every capture of a run in this process. A finished line is tracked at once, in the writing
thread, as a Text of the run's `logs` sequence (one line a step), so whatever was written up to
the last newline is in the run's buffer when the process dies of an exception; the unfinished
line follows on close() and at exit. Writes through `sys.stdout.buffer`, by C code or by
subprocesses to the file descriptors themselves are not seen.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Callable
from typing import Any

from aim.ext.resource.configs import TERMINAL_LOGS_NAME

MAX_LINE_CHARS = 65536  # a longer unfinished line (dots, no newline) is cut and tracked as is


class LineAssembler:
    """Text as a terminal draws it -> finished lines: '\\r' returns to the start of the line and
    what follows overwrites it, so a redrawn progress bar leaves its last state only."""

    def __init__(self) -> None:
        self._line = ""
        self._col = 0

    def feed(self, text: str) -> list[str]:
        """The lines that text finishes (none when it holds no newline)."""
        done = []
        for n, part in enumerate(text.split("\n")):
            if n:
                done.append(self._line)
                self._line, self._col = "", 0
            for m, piece in enumerate(part.split("\r")):
                if m:
                    self._col = 0
                if piece:
                    line, col = self._line, self._col
                    self._line = line[:col] + piece + line[col + len(piece) :]
                    self._col = col + len(piece)
            if len(self._line) > MAX_LINE_CHARS:
                done.append(self._line)
                self._line, self._col = "", 0
        return done

    def pending(self) -> str | None:
        """The unfinished line, None when there is none."""
        return self._line or None


class TerminalCapture:
    """One run's capture: assembles lines from both streams and tracks each as it finishes."""

    def __init__(self, track: Callable[..., None], context: dict[str, Any]) -> None:
        self.track = track
        self.context = dict(context)
        self.pid = os.getpid()
        self._lines = LineAssembler()
        self._lock = threading.Lock()
        self._failed = False

    def feed(self, data: Any) -> None:
        if isinstance(data, (bytes, bytearray)):
            data = bytes(data).decode("utf-8", "replace")
        elif not isinstance(data, str):
            return
        with self._lock:
            for line in self._lines.feed(data):
                self._track(line)

    def _track(self, line: str) -> None:
        from aim.objects.text import Text

        if self._failed:
            return
        try:
            self.track(Text(line), name=TERMINAL_LOGS_NAME, context=self.context)
        except Exception as exc:
            self._failed = True
            _registry.remove(self)
            warnings.warn(
                f"terminal logs are no longer captured: {type(exc).__name__}: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )

    def start(self) -> None:
        _registry.add(self)

    def stop(self) -> None:
        """Track the unfinished line and stop capturing (the streams are restored with the last one)."""
        if os.getpid() != self.pid:
            return  # a forked child: the parent's capture is the parent's to finish
        _registry.remove(self)
        with self._lock:
            pending = self._lines.pending()
            self._lines = LineAssembler()
            if pending is not None:
                self._track(pending)


class _Registry:
    """This process's captures, and the streams whose write is wrapped while there is one."""

    def __init__(self) -> None:
        self.captures: list[TerminalCapture] = []
        self.patched: list[tuple[Any, Callable[..., Any], Any]] = []  # (stream, our write, its own)
        self.local = threading.local()  # .busy: this thread is feeding (a warning it writes is not fed)
        self.lock = threading.Lock()

    def add(self, capture: TerminalCapture) -> None:
        with self.lock:
            self.captures = [*self.captures, capture]
            for stream in (sys.stdout, sys.stderr):
                if stream is not None and not any(stream is s for s, _, _ in self.patched):
                    self._patch(stream)

    def remove(self, capture: TerminalCapture) -> None:
        with self.lock:
            self.captures = [c for c in self.captures if c is not capture]
            if not self.captures:
                for stream, ours, own in self.patched:
                    self._unpatch(stream, ours, own)
                self.patched = []

    def _patch(self, stream: Any) -> None:
        own = getattr(stream, "__dict__", {}).get("write")  # a write set on the instance before us
        original = stream.write
        pid = os.getpid()
        registry = self

        def write(data: Any) -> Any:
            written = original(data)
            if registry.captures and os.getpid() == pid and not getattr(registry.local, "busy", False):
                registry.feed(data)
            return written

        try:
            stream.write = write
        except (AttributeError, TypeError):  # a stream without instance attributes
            warnings.warn(
                f"terminal logs: {type(stream).__name__} streams cannot be captured",
                RuntimeWarning,
                stacklevel=4,
            )
            return
        self.patched.append((stream, write, own))

    @staticmethod
    def _unpatch(stream: Any, ours: Callable[..., Any], own: Any) -> None:
        if getattr(stream, "__dict__", {}).get("write") is not ours:
            return  # wrapped again by someone else: ours stays in their chain, passing through
        try:
            if own is None:
                del stream.write
            else:
                stream.write = own
        except (AttributeError, TypeError):
            pass

    def feed(self, data: Any) -> None:
        self.local.busy = True
        try:
            for capture in self.captures:
                capture.feed(data)
        except Exception:
            pass  # a capture warns and leaves by itself; the user's write already happened
        finally:
            self.local.busy = False


_registry = _Registry()
