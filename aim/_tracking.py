"""The hot path of track(): cached per-sequence writers, value checks, and an append.

track() validates a (name, context) once, caches its SeriesWriter, and from then on does a
dict lookup, a type check and one list append of a (step, value, epoch, time) tuple. A single
append is atomic under the GIL, so the sender thread can drain concurrently without a lock: it
copies the first n items and deletes exactly those, while later appends land behind them.
"""

from __future__ import annotations

import os
import time
import weakref
from array import array
from typing import Any

from aimproto.v1 import common_pb2, tracking_pb2

from aim import _context
from aim._transport.channel import Target
from aim._transport.sender import Sender, sender_for

MAX_NAME_CHARS = 256
FLUSH_POINTS = 4096  # a buffer this full wakes the sender
MAX_BUFFERED_POINTS = 131072  # a buffer this full makes track() drain it itself (back-pressure)
MAX_STEP = 2**63 - 1
_INT64 = (-(2**63), 2**63 - 1)

_NAN = float("nan")
_now = time.time
_LITTLE = __import__("sys").byteorder == "little"


def check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a sequence name must be a str, not {type(name).__name__}")
    if not name or len(name) > MAX_NAME_CHARS or "\x00" in name:
        raise ValueError(f"sequence name {name[:40]!r} must be 1..{MAX_NAME_CHARS} chars without NUL")
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
    raise TypeError(f"cannot track a {type(value).__name__} as {where}: only numbers are supported")


def _step(step: Any, where: str) -> int:
    if isinstance(step, bool) or not isinstance(step, int):
        if hasattr(step, "dtype") and getattr(step.dtype, "kind", "") in "iu" and getattr(step, "ndim", 0) == 0:
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

    __slots__ = ("tracker", "name", "context", "where", "points", "is_float", "next_step", "limit", "__weakref__")

    def __init__(self, tracker: Tracker, name: str, context: str, next_step: int, is_float: bool) -> None:
        self.tracker = tracker
        self.name = name
        self.context = context
        self.where = f"sequence {name!r} {context}"
        self.points: list[tuple] = []
        self.is_float = is_float
        self.next_step = next_step
        self.limit = FLUSH_POINTS

    def append(self, value: Any, step: Any, epoch: Any, now: float) -> None:
        kind = type(value)
        if kind is float:
            if not self.is_float:
                self.is_float = True
        elif kind is not int:
            value = _number(value, self.where)
            if type(value) is float:
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
        points = self.points
        points.append((step, value, epoch, now))
        if len(points) >= self.limit:
            self.tracker.buffer_full(self)

    def drain(self, limit: int) -> tracking_pb2.SeriesChunk | None:
        """Take up to limit buffered points as a wire chunk (called by the sender only)."""
        points = self.points
        n = min(len(points), limit)
        if n <= 0:
            return None
        taken = points[:n]
        del points[:n]
        steps, values, epochs, stamps = zip(*taken)
        packed_values = None
        if not self.is_float:
            try:
                packed_values = array("q", values)
            except OverflowError:  # ints beyond int64 travel as floats
                self.is_float = True
        if packed_values is None:
            packed_values = array("d", values)
        columns = [array("q", steps), packed_values, array("d", epochs), array("d", stamps)]
        if not _LITTLE:
            for column in columns:
                column.byteswap()
        return tracking_pb2.SeriesChunk(
            run_hash=self.tracker.run_hash,
            name=self.name,
            context=self.context,
            dtype=common_pb2.DTYPE_FLOAT if packed_values.typecode == "d" else common_pb2.DTYPE_INT,
            count=n,
            steps=columns[0].tobytes(),
            values=columns[1].tobytes(),
            epochs=columns[2].tobytes(),
            timestamps=columns[3].tobytes(),
        )


class Tracker:
    """The writing side of one Run in this process: its sequences' writers and its sender."""

    def __init__(self, run_hash: str, target: Target, sequences: list[dict[str, Any]]) -> None:
        self.run_hash = run_hash
        self.target = target
        self._writers: dict[Any, SeriesWriter] = {}  # fast key -> writer
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
            writer.limit = FLUSH_POINTS

    def _own_sender(self) -> Sender:
        """This process's sender (attaching afresh in a forked child)."""
        if self.pid != os.getpid():
            self._attach()
        return self.sender

    def track(self, value: Any, name: str | None = None, step: Any = None, epoch: Any = None, *,
              context: dict | None = None) -> None:
        now = _now()
        if name is None or type(value) is dict:
            if not isinstance(value, dict):
                raise TypeError("track() needs a name, or a dict of {name: value}")
            for key, item in value.items():
                self._writer(key, context).append(item, step, epoch, now)
            return
        self._writer(name, context).append(value, step, epoch, now)

    def _writer(self, name: str, context: dict | None) -> SeriesWriter:
        if context is None:
            key: Any = name
        else:
            key = (name, tuple(context.items()), tuple(map(type, context.values())))
        try:
            return self._writers[key]
        except (KeyError, TypeError):  # first sighting, or a context with unhashable values
            return self._new_writer(name, context)

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
        else:
            try:
                self._writers[(name, tuple(context.items()), tuple(map(type, context.values())))] = writer
            except TypeError:
                pass  # unhashable values: always the slow path
        return writer

    def buffer_full(self, writer: SeriesWriter) -> None:
        """Slow path of append(): wake the sender, or drain here when the sender lags far behind."""
        if self.pid != os.getpid():
            self._attach()  # first track() in a forked child: this process's own sender
            return
        if len(writer.points) >= MAX_BUFFERED_POINTS:
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
            writer.points.clear()
            writer.limit = 0


_live: weakref.WeakSet[Tracker] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for tracker in list(_live):
        tracker.after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)

