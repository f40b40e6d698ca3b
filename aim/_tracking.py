"""The hot path of track(): cached per-sequence writers, value checks, and one append.

track() validates a (name, context) once, caches its SeriesWriter, and from then on does a
dict lookup, a type check and one `bytearray +=` of a packed 32-byte record (step int64, value,
epoch and time as float64). One C call is atomic under the GIL, so the sender thread drains
concurrently without a lock: it copies the first n records and deletes exactly those, while
later ones land behind. Nothing per point stays alive as a Python object.
Values travel as doubles here: ints are exact up to 2**53, and a larger int turns its sequence
into floats.
"""

from __future__ import annotations

import os
import struct
import time
import weakref
from typing import Any

import numpy as np

from aim import _context
from aim._transport.channel import Target
from aim._transport.sender import Sender, sender_for
from aim.errors import SequenceTypeError
from aimproto.v1 import common_pb2, tracking_pb2

MAX_NAME_CHARS = 256
FLUSH_POINTS = 4096  # a buffer this full wakes the sender
MAX_BUFFERED_POINTS = 262144  # 8 MiB: a buffer this full makes track() drain it itself (back-pressure)
MAX_STEP = 2**63 - 1
MAX_EXACT_INT = 2**53  # the largest int a double holds exactly
_RECORD = struct.Struct("<qddd")  # step, value, epoch, time
_pack = _RECORD.pack
_RECORD_DTYPE = np.dtype([("step", "<i8"), ("value", "<f8"), ("epoch", "<f8"), ("time", "<f8")])

_NAN = float("nan")
_now = time.time


def check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a sequence name must be a str, not {type(name).__name__}")
    if not name or len(name) > MAX_NAME_CHARS or "\x00" in name:
        raise ValueError(f"sequence name {name[:40]!r} must be 1..{MAX_NAME_CHARS} chars without NUL")
    try:
        name.encode()
    except UnicodeEncodeError:
        raise ValueError(f"sequence name {name[:40]!r} is not valid Unicode (it has no UTF-8 form)") from None
    return name


def _number(value: Any, where: str) -> int | float:
    """A tracked value as int or float: numpy / torch scalars and one-element arrays included."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    item = getattr(value, "item", None)
    size = getattr(value, "size", None)
    if callable(size):  # torch.Tensor.size() is a method; numel() counts elements
        size = value.numel() if hasattr(value, "numel") else None
    if item is not None and size == 1:
        result = item()
        if isinstance(result, (bool, int, float)):
            return _number(result, where)
    if size is not None and item is not None:
        raise ValueError(f"cannot track an array of {size} elements as {where}: track a scalar")
    raise SequenceTypeError(f"cannot track a {type(value).__name__} as {where}: only numbers are supported")


def _step(step: Any, where: str) -> int:
    if isinstance(step, bool) or not isinstance(step, int):
        if (
            hasattr(step, "dtype")
            and getattr(step.dtype, "kind", "") in "iu"
            and getattr(step, "ndim", 0) == 0
        ):
            step = int(step)
        else:
            raise TypeError(f"step of {where} must be an int, not {type(step).__name__}")
    if not 0 <= step <= MAX_STEP:
        raise ValueError(f"step of {where} must be in 0..{MAX_STEP}, got {step}")
    return step


def _epoch(epoch: Any, where: str) -> float:
    if epoch is None:
        return _NAN
    if isinstance(epoch, bool):
        raise TypeError(f"epoch of {where} must be a number, not bool")
    try:
        return float(_number(epoch, f"the epoch of {where}"))
    except OverflowError:
        raise ValueError(f"epoch of {where} is too large") from None


class SeriesWriter:
    """The buffer of one sequence of one run in this process."""

    __slots__ = (
        "tracker",
        "name",
        "context",
        "where",
        "buf",
        "is_float",
        "next_step",
        "limit",
        "__weakref__",
    )

    def __init__(self, tracker: Tracker, name: str, context: str, next_step: int, is_float: bool) -> None:
        self.tracker = tracker
        self.name = name
        self.context = context
        self.where = f"sequence {name!r} {context}"
        self.buf = bytearray()
        self.is_float = is_float
        self.next_step = next_step
        self.limit = FLUSH_POINTS * _RECORD.size

    def append(self, value: Any, step: Any, epoch: Any, now: float) -> None:
        kind = type(value)
        if kind is float:
            if not self.is_float:
                self.is_float = True
        elif kind is not int or not -MAX_EXACT_INT <= value <= MAX_EXACT_INT:
            value = _number(value, self.where)
            if type(value) is float or not -MAX_EXACT_INT <= value <= MAX_EXACT_INT:
                try:
                    value = float(value)
                except OverflowError:
                    raise ValueError(f"{value} is too large to track into {self.where}") from None
                self.is_float = True
        if step is None:
            step = self.next_step
        elif type(step) is not int or step < 0 or step > MAX_STEP:
            step = _step(step, self.where)
        if epoch is None:
            epoch = _NAN
        elif type(epoch) is not float:
            epoch = _epoch(epoch, self.where)
        self.next_step = step + 1
        buf = self.buf
        buf += _pack(step, value, epoch, now)  # checked above: cannot fail
        if len(buf) >= self.limit:
            self.tracker.buffer_full(self)

    def drain(self, limit: int) -> tracking_pb2.SeriesChunk | None:
        """Take up to limit buffered points as a wire chunk (called by the sender only)."""
        buf = self.buf
        n = min(len(buf) // _RECORD.size, limit)
        if n <= 0:
            return None
        taken = buf[: n * _RECORD.size]  # a copy: buf itself is never exported (appends would fail)
        del buf[: n * _RECORD.size]
        is_float = self.is_float  # read after the copy: a float in it set the flag before it was added
        table = np.frombuffer(taken, _RECORD_DTYPE)
        values = table["value"].astype("<f8" if is_float else "<i8")
        return tracking_pb2.SeriesChunk(
            run_hash=self.tracker.run_hash,
            name=self.name,
            context=self.context,
            dtype=common_pb2.DTYPE_FLOAT if is_float else common_pb2.DTYPE_INT,
            count=n,
            steps=table["step"].tobytes(),
            values=values.tobytes(),
            epochs=table["epoch"].tobytes(),
            timestamps=table["time"].tobytes(),
        )


class Tracker:
    """The writing side of one Run in this process: its sequences' writers and its sender."""

    def __init__(self, run_hash: str, target: Target, sequences: list[dict[str, Any]]) -> None:
        self.run_hash = run_hash
        self.target = target
        self._writers: dict[Any, Any] = {}  # (name, context items) -> writer, or {value types: writer}
        self._by_id: dict[tuple[str, str], SeriesWriter] = {}  # (name, canonical context) -> writer
        self._stored = {(s["name"], s["context"]): s for s in sequences}  # what a resume continues
        self._attach()
        _live.add(self)

    def _attach(self) -> None:
        self.pid = os.getpid()
        self.sender: Sender = sender_for(self.target)
        self.sender.open_runs.add(self.run_hash)
        for writer in self._by_id.values():
            self.sender.register(writer)
            writer.limit = FLUSH_POINTS * _RECORD.size

    def _own_sender(self) -> Sender:
        """This process's sender (attaching afresh in a forked child)."""
        if self.pid != os.getpid():
            self._attach()
        return self.sender

    def track(
        self,
        value: Any,
        name: str | None = None,
        step: Any = None,
        epoch: Any = None,
        *,
        context: dict | None = None,
    ) -> None:
        now = _now()
        if name is None or type(value) is dict:
            if not isinstance(value, dict):
                raise TypeError("track() needs a name, or a dict of {name: value}")
            for key, item in value.items():
                self._writer(key, context).append(item, step, epoch, now)
            return
        self._writer(name, context).append(value, step, epoch, now)

    def _writer(self, name: str, context: dict | None) -> SeriesWriter:
        try:
            found = self._writers[name if context is None else (name, tuple(context.items()))]
        except (KeyError, TypeError, AttributeError):  # first sighting, unhashable values, not a dict
            return self._new_writer(name, context)
        if type(found) is not dict:
            return found
        # 1, 1.0 and True are equal keys but different contexts: choose by the values' types
        return found.get(tuple(map(type, context.values()))) or self._new_writer(name, context)  # type: ignore[union-attr]

    def _new_writer(self, name: Any, context: dict | None) -> SeriesWriter:
        check_name(name)
        canonical = _context.canonical(context)
        writer = self._by_id.get((name, canonical))
        if writer is None:
            stored = self._stored.get((name, canonical))
            next_step = stored["last_step"] + 1 if stored and stored["count"] else 0
            is_float = bool(stored) and stored["dtype"] == "float"
            writer = self._by_id[(name, canonical)] = SeriesWriter(self, name, canonical, next_step, is_float)
            self.sender.register(writer)
        if context is None:
            self._writers[name] = writer
            return writer
        key = (name, tuple(context.items()))
        try:
            hash(key)
        except TypeError:
            return writer  # unhashable values: always the slow path
        if all(type(v) is str for v in context.values()):
            self._writers[key] = writer  # a str equals no other type: the items alone decide
        else:
            self._writers.setdefault(key, {})[tuple(map(type, context.values()))] = writer
        return writer

    def buffer_full(self, writer: SeriesWriter) -> None:
        """Slow path of append(): wake the sender, or drain here when the sender lags far behind."""
        if self.pid != os.getpid():
            self._attach()  # first track() in a forked child: this process's own sender
            return
        if len(writer.buf) >= MAX_BUFFERED_POINTS * _RECORD.size:
            self.sender.flush()  # blocks while the daemon is MAX_UNACKED_BYTES behind
        else:
            self.sender.wake()

    def flush(self, timeout: float | None = None) -> None:
        """Send everything tracked so far and wait until the daemon has it durably."""
        sender = self._own_sender()
        sender.wait(sender.flush(), timeout)

    def detach(self) -> None:
        """Stop counting this run among the sender's open runs (it was closed)."""
        self._own_sender().open_runs.discard(self.run_hash)

    def after_fork_in_child(self) -> None:
        # The parent sends what was buffered before the fork; the child starts empty and
        # attaches to its own sender on its first track().
        for writer in self._by_id.values():
            del writer.buf[:]
            writer.limit = 0


_live: weakref.WeakSet[Tracker] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for tracker in list(_live):
        tracker.after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)
