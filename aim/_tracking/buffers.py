"""The hot path of track(): cached per-sequence writers, value checks, and one append.

track() validates a (name, context) once, caches its SeriesWriter, and from then on does a
dict lookup, a type check and one `bytearray +=` of a packed 32-byte record (step int64, value,
epoch and time as float64). One C call is atomic under the GIL, so the sender thread drains
concurrently without a lock: it copies the first n records and deletes exactly those, while
later ones land behind. Nothing per point stays alive as a Python object.
Values travel as doubles here: ints are exact up to 2**53, and a larger int turns its sequence
into floats.

Objects (aim.Image, Distribution, Text, Audio, or a non-empty list of Images, Texts or Audios)
go to an ObjectWriter instead: track() checks the kind, snapshots the captions (the only part of
an object that can change: objects copy their data when made) and appends one tuple to a list.
Encoding (PNG, WAV, ...) happens in the sender, on its encoder threads, never here.
A sequence's dtype is fixed by its first point: a metric refuses objects, an object sequence
refuses numbers and other kinds, and a list sequence takes lists only (a single Image is refused
there: track [image]), as a single-object sequence refuses lists.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import weakref
from typing import Any

from aim._transport.channel import Target
from aim._transport.sender import Sender, SeriesRecords, sender_for
from aim._values import context as _context
from aim._values.text import check_utf8
from aim.errors import SequenceTypeError, TrackingError
from aimproto.contract import DTYPE_CODES, DTYPE_NAMES, LIST_DTYPES, MAX_NAME_CHARS, OBJECT_KINDS

FLUSH_POINTS = 4096  # a buffer this full wakes the sender
MAX_BUFFERED_POINTS = 262144  # 8 MiB: a buffer this full makes track() drain it itself (back-pressure)
MAX_STEP = 2**63 - 1
MAX_EXACT_INT = 2**53  # the largest int a double holds exactly
_RECORD = struct.Struct("<qddd")  # step, value, epoch, time
_pack = _RECORD.pack

# Buffered objects that wake the sender: soon for images and audio, to start their encoders;
# later for the cheap kinds, whose every wake is a hand-off of the GIL (measured: 64 -> 1024
# took distributions/s from ~15,000 to ~20,000 on 2 cores).
FLUSH_OBJECTS = 64
FLUSH_LIGHT_OBJECTS = 1024
# A buffer this full makes track() drain (encode) it itself: MAX_BUFFERED_OBJECT_BYTES of raw
# data, judged by the first point (an image's pixels), and 16..MAX_BUFFERED_OBJECTS points.
MAX_BUFFERED_OBJECTS = 4096
MAX_BUFFERED_OBJECT_BYTES = 256 * 2**20

# KIND of an object (aim.objects) -> (dtype of a sequence of them, of a sequence of lists of them)
OBJECT_DTYPES: dict[str, tuple[str | None, str | None]] = {
    kind: (
        next((DTYPE_NAMES[c] for c, k in OBJECT_KINDS.items() if k == kind and c not in LIST_DTYPES), None),
        next((DTYPE_NAMES[c] for c, k in OBJECT_KINDS.items() if k == kind and c in LIST_DTYPES), None),
    )
    for kind in dict.fromkeys(OBJECT_KINDS.values())
}
_HEAVY_KINDS = {"image", "audio", "figure"}  # encoded and hashed on the sender's encoder threads
_dumps = json.JSONEncoder(separators=(",", ":")).encode

_NAN = float("nan")


def check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a sequence name must be a str, not {type(name).__name__}")
    if not name or len(name) > MAX_NAME_CHARS or "\x00" in name:
        raise ValueError(f"sequence name {name[:40]!r} must be 1..{MAX_NAME_CHARS} chars without NUL")
    check_utf8(name, f"sequence name {name[:40]!r}")
    return name


def _number(value: Any, where: str) -> int | float:
    """A tracked value as int or float: numpy / torch scalars and one-element arrays included."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return float(value)  # np.float64 is a float subclass: it must still make the sequence float
    if isinstance(value, int):
        return int(value)
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


def not_a_number(value: Any) -> SequenceTypeError:
    """Aim's error, word for word, for a value that is neither a number nor an Aim object; raise
    it from ours (the detail)."""
    return SequenceTypeError(f"Input type {type(value)} is neither python number nor AimObject")


def incompatible(value: Any, name: str) -> SequenceTypeError:
    """Aim's error, word for word, for a value its sequence cannot hold; raise it from ours (the
    detail), so tracebacks show both."""
    return SequenceTypeError(f"Cannot log value '{value}' on sequence '{name}'. Incompatible data types.")


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


def _kind(value: Any) -> str | None:
    """The KIND of a tracked object (aim.Image, ...), None for anything else."""
    kind = getattr(type(value), "KIND", None)
    return kind if type(kind) is str and hasattr(value, "_record") else None


_TYPED_SCALARS = frozenset((str, int, float, bool, type(None)))  # their type and == tell contexts apart


def _what(value: Any) -> str:
    return type(value).__name__


def object_dtype(value: Any, where: str) -> str | None:
    """The dtype a first point makes of its sequence when it is an object or a list of objects
    ("aim.image", "list(aim.text)", ...); None for anything else (a number, or what is checked as
    one). Raises for an empty list, and a list of objects of more than one kind."""
    kind = _kind(value)
    if kind is not None:
        dtypes = OBJECT_DTYPES.get(kind)
        if dtypes is None:
            raise SequenceTypeError(f"cannot track a {_what(value)} ({kind!r} objects) into {where}")
        return dtypes[0]
    if type(value) is not list and type(value) is not tuple:
        return None
    if not value:
        raise ValueError(f"cannot track an empty list into {where}: a step holds at least one object")
    kind = _kind(value[0])
    if kind is None:
        return None  # not a list of objects: refused as a number would be
    _check_items(value, kind, where)
    dtype = OBJECT_DTYPES.get(kind, (None, None))[1]
    if dtype is None:
        raise SequenceTypeError(f"cannot track a list of {_what(value[0])}s into {where}: track one per step")
    return dtype


def _footprint(obj: Any) -> int:
    """Roughly the bytes an object holds until it is encoded (its first point sizes a buffer)."""
    width, height = getattr(obj, "width", None), getattr(obj, "height", None)
    if type(width) is int and type(height) is int:
        return width * height * 4  # an image's pixels
    kind = getattr(type(obj), "KIND", None)
    if kind == "audio":
        return len(obj.get())
    if kind == "figure":
        return len(obj.data)  # its JSON
    return 1024  # texts, distributions, log records: small


def _check_items(items: Any, kind: str, where: str) -> None:
    for item in items:
        if _kind(item) != kind:
            raise SequenceTypeError(
                f"cannot track a list mixing {kind} objects and a {_what(item)} into {where}: "
                "a list holds objects of one kind"
            )


class _Writer:
    """What the writers share: the sequence they buffer and the step and epoch rules of a point."""

    __slots__ = ("tracker", "name", "context", "where", "next_step", "limit", "__weakref__")

    def __init__(self, tracker: Tracker, name: str, context: str, next_step: int) -> None:
        self.tracker = tracker
        self.name = name
        self.context = context
        self.where = f"sequence {name!r} {context}"
        self.next_step = next_step

    def position(self, step: Any, epoch: Any) -> tuple[int, float]:
        """(step, epoch) of a point: step None is the last step + 1; epoch None is NaN."""
        if step is None:
            step = self.next_step
        elif type(step) is not int or step < 0 or step > MAX_STEP:
            step = _step(step, self.where)
        if epoch is None:
            epoch = _NAN
        elif type(epoch) is not float:
            epoch = _epoch(epoch, self.where)
        self.next_step = step + 1
        return step, epoch


class SeriesWriter(_Writer):
    """The buffer of one sequence of one run in this process."""

    __slots__ = ("buf", "is_float")

    def __init__(self, tracker: Tracker, name: str, context: str, next_step: int, is_float: bool) -> None:
        super().__init__(tracker, name, context, next_step)
        self.buf = bytearray()
        self.is_float = is_float
        self.limit = FLUSH_POINTS * _RECORD.size

    def append(self, value: Any, step: Any, epoch: Any, now: float) -> None:
        kind = type(value)
        if kind is float:
            if not self.is_float:
                self.is_float = True
        elif kind is not int or not -MAX_EXACT_INT <= value <= MAX_EXACT_INT:
            try:
                value = _number(value, self.where)
            except SequenceTypeError as error:
                if _kind(value) is None and not isinstance(value, (list, tuple)):
                    raise not_a_number(value) from error  # neither a number nor an Aim object
                if self.next_step:  # the sequence has points: Aim's dtype clash
                    raise incompatible(value, self.name) from error
                raise
            if type(value) is float or not -MAX_EXACT_INT <= value <= MAX_EXACT_INT:
                try:
                    value = float(value)
                except OverflowError:
                    raise ValueError(f"{value} is too large to track into {self.where}") from None
                self.is_float = True
        # _Writer.position(), inlined: a call would add ~60 ns, a tenth of track()'s p50
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

    def attach(self, sender: Sender) -> None:
        sender.register(self)
        self.limit = FLUSH_POINTS * _RECORD.size

    def forget_buffered(self) -> None:
        """Drop what is buffered and make the next append attach (a forked child's writer)."""
        del self.buf[:]
        self.limit = 0

    def drain(self, limit: int) -> SeriesRecords | None:
        """Take up to limit buffered points (called by the sender only, which encodes them)."""
        buf = self.buf
        n = min(len(buf) // _RECORD.size, limit)
        if n <= 0:
            return None
        taken = buf[: n * _RECORD.size]  # a copy: buf itself is never exported (appends would fail)
        del buf[: n * _RECORD.size]
        is_float = self.is_float  # read after the copy: a float in it set the flag before it was added
        return SeriesRecords(self.tracker.run_hash, self.name, self.context, taken, n, is_float)


class ObjectWriter(_Writer):
    """The buffer of one object sequence of one run in this process: a list of
    (step, epoch, time, object or tuple of objects, caption or tuple of captions)."""

    __slots__ = ("dtype", "dtype_name", "kind", "is_list", "cls", "captioned", "heavy", "items", "max_items")

    def __init__(self, tracker: Tracker, name: str, context: str, next_step: int, dtype_name: str) -> None:
        super().__init__(tracker, name, context, next_step)
        self.dtype_name = dtype_name
        self.dtype = DTYPE_CODES[dtype_name]
        self.is_list = dtype_name.startswith("list(")
        self.kind = next(kind for kind, names in OBJECT_DTYPES.items() if dtype_name in names)
        self.cls: type | None = None  # the class seen first: the fast path's type check
        self.captioned = False
        self.heavy = self.kind in _HEAVY_KINDS
        self.items: list[tuple] = []
        self.max_items = 0  # set by the first point
        self.limit = self._flush_at()

    def append(self, value: Any, step: Any, epoch: Any, now: float) -> None:
        if type(value) is self.cls:  # fast path: one object of the class seen before
            captions = value.caption if self.captioned else None  # type: ignore[attr-defined]  # of self.cls
        else:
            value, captions = self._checked(value)
        step, epoch = self.position(step, epoch)
        items = self.items
        items.append((step, epoch, now, value, captions))  # one C call: atomic under the GIL
        if len(items) >= self.limit:
            self.tracker.objects_full(self)

    def _checked(self, value: Any) -> tuple[Any, Any]:
        """(what to keep, its captions) of a value that is not the fast path's; raises if this
        sequence cannot hold it."""
        kind = _kind(value)
        if not self.is_list:
            if kind != self.kind:
                found = "a list" if type(value) in (list, tuple) else f"a {_what(value)}"
                detail = f"cannot track {found} into {self.where}: it holds {self.dtype_name}"
                raise incompatible(value, self.name) from SequenceTypeError(detail)
            if self.cls is None:
                self.cls, self.captioned = type(value), hasattr(type(value), "caption")
                self._size_by((value,))
            return value, getattr(value, "caption", None)
        if type(value) is not list and type(value) is not tuple:
            hint = f": track [{self.kind}]" if kind == self.kind else ""
            detail = f"cannot track a {_what(value)} into {self.where}: it holds {self.dtype_name}{hint}"
            raise incompatible(value, self.name) from SequenceTypeError(detail)
        if not value:
            raise ValueError(
                f"cannot track an empty list into {self.where}: a step holds at least one object"
            )
        items = tuple(value)  # the caller may reuse its list
        _check_items(items, self.kind, self.where)
        if not self.max_items:
            self._size_by(items)
        return items, tuple(getattr(item, "caption", None) for item in items)

    def _size_by(self, objects: tuple) -> None:
        """Size the buffer by the first point: MAX_BUFFERED_OBJECT_BYTES of data in all."""
        each = max(1, sum(map(_footprint, objects)))
        self.max_items = max(16, min(MAX_BUFFERED_OBJECTS, MAX_BUFFERED_OBJECT_BYTES // each))
        self.limit = min(self.limit, self.max_items)

    def _flush_at(self) -> int:
        flush = FLUSH_OBJECTS if self.heavy else FLUSH_LIGHT_OBJECTS
        return min(flush, self.max_items or flush)

    def attach(self, sender: Sender) -> None:
        sender.register_objects(self)
        self.limit = self._flush_at()

    def forget_buffered(self) -> None:
        del self.items[:]
        self.limit = 0

    # --- the sender's side ----------------------------------------------------------------
    @property
    def run_hash(self) -> str:
        return self.tracker.run_hash

    def __len__(self) -> int:
        return len(self.items)

    def take(self, limit: int) -> list[tuple]:
        """Take up to limit buffered points (called by the sender only)."""
        items = self.items
        n = min(len(items), limit)
        if n <= 0:
            return []
        taken = items[:n]
        del items[:n]  # appends made since land behind: only this thread removes
        return taken

    def encode(self, item: tuple) -> tuple[int, float, float, list[tuple[str, bytes, bytes]]]:
        """(step, epoch, time, records) of a taken point, each record (meta JSON, payload,
        payload SHA-256). Runs on the sender's threads: this is where PNG & co. are encoded."""
        step, epoch, now, value, captions = item
        if not self.is_list:
            value, captions = (value,), (captions,)
        records = []
        for obj, caption in zip(value, captions, strict=True):
            meta, payload = obj._record()
            if caption is not None:
                meta = {**meta, "caption": caption}  # as it was when tracked
            payload = bytes(payload)
            records.append((_dumps(meta), payload, hashlib.sha256(payload).digest()))
        return step, epoch, now, records


class Tracker:
    """The writing side of one Run in this process: its sequences' writers and its sender."""

    def __init__(self, run_hash: str, target: Target, sequences: list[dict[str, Any]]) -> None:
        self.run_hash = run_hash
        self.target = target
        # The hot path's cache (Run.track reads it): name, or (name, context items) -> writer, or
        # {key and value types: writer} where other than str keys or values are in the context
        self.writers: dict[Any, Any] = {}
        self._by_id: dict[tuple[str, str], SeriesWriter | ObjectWriter] = {}  # (name, canonical context)
        self._stored = {(s["name"], s["context"]): s for s in sequences}  # what a resume continues
        self._attach()
        _live.add(self)

    def _attach(self) -> None:
        self.pid = os.getpid()
        self.sender: Sender = sender_for(self.target)
        self.sender.open_runs.add(self.run_hash)
        for writer in self._by_id.values():
            writer.attach(self.sender)

    def _attached_here(self) -> bool:
        """False in a forked child that has not attached yet: it attaches now, to its own sender."""
        if self.pid == os.getpid():
            return True
        self._attach()
        return False

    def _own_sender(self) -> Sender:
        """This process's sender (attaching afresh in a forked child)."""
        self._attached_here()
        return self.sender

    def writer(self, name: str, context: dict | None, value: Any) -> SeriesWriter | ObjectWriter:
        """The writer of sequence (name, context); value: its first point, when it makes the sequence.
        Run.track inlines this lookup (one Python call less per point): change both together."""
        try:
            found = self.writers[name if context is None else (name, tuple(context.items()))]
        except (KeyError, TypeError, AttributeError):  # first sighting, unhashable values, not a dict
            return self._new_writer(name, context, value)
        return self.by_types(found, name, context, value) if type(found) is dict else found

    def by_types(self, found: dict, name: str, context: Any, value: Any) -> SeriesWriter | ObjectWriter:
        """The writer among found, the writers of contexts equal to context, by its value types (and
        its key types where they are not all str: 1, 1.0 and True are equal keys, only 1 is valid)."""
        values = tuple(map(type, context.values()))
        writer = found.get(values)
        if writer is None:
            writer = found.get((tuple(map(type, context)), values))
        return self._new_writer(name, context, value) if writer is None else writer

    def _new_writer(self, name: Any, context: dict | None, value: Any) -> SeriesWriter | ObjectWriter:
        check_name(name)
        canonical = _context.canonical(context)
        writer = self._by_id.get((name, canonical))
        if writer is None:
            stored = self._stored.get((name, canonical))
            next_step = stored["last_step"] + 1 if stored and stored["count"] else 0
            where = f"sequence {name!r} {canonical}"
            dtype = stored["dtype"] if stored else object_dtype(value, where)
            if dtype in ("int", "float", None):
                writer = SeriesWriter(self, name, canonical, next_step, dtype == "float")
            elif dtype in DTYPE_CODES:
                writer = ObjectWriter(self, name, canonical, next_step, dtype)
            else:
                raise SequenceTypeError(f"{where} holds {dtype}, which this version of aim cannot write")
            self._by_id[(name, canonical)] = writer
            writer.attach(self.sender)
            if self.sender.stream.rejected:
                writer.limit = 0  # its first append raises what was reported
        if context is None:
            self.writers[name] = writer
            return writer
        key = (name, tuple(context.items()))
        try:
            hash(key)
        except TypeError:
            return writer  # unhashable values: always the slow path
        if all(type(k) is str and type(v) is str for k, v in key[1]):
            self.writers[key] = writer  # a str equals no other type: the items alone decide
        elif all(type(v) in _TYPED_SCALARS and not (type(v) is float and v == 0) for v in context.values()):
            types: tuple[Any, ...] = tuple(map(type, context.values()))
            if not all(type(k) is str for k in context):
                types = (tuple(map(type, context)), types)  # as by_types() looks it up
            self.writers.setdefault(key, {})[types] = writer
        # else: never from the cache ((1, 2) == (1.0, 2) and -0.0 == 0.0, but their contexts differ)
        return writer

    def buffer_full(self, writer: SeriesWriter) -> None:
        """Slow path of append(): wake the sender, or drain here when the sender lags far behind;
        raise what the sender reported (it set the limit to 0)."""
        if not self._attached_here():  # first track() in a forked child
            return
        if not writer.limit:
            self.raise_reported(writer)
        if len(writer.buf) >= MAX_BUFFERED_POINTS * _RECORD.size:
            self.sender.flush()  # blocks while the daemon is MAX_UNACKED_BYTES behind (bounded)
        elif len(writer.buf) >= writer.limit:
            self.sender.wake()

    def objects_full(self, writer: ObjectWriter) -> None:
        """Slow path of ObjectWriter.append(): wake the sender, or drain here when it lags far
        behind; raise what the sender reported (it set the limit to 0)."""
        if not self._attached_here():  # first track() in a forked child
            return
        if not writer.limit:
            self.raise_reported(writer)
        if len(writer.items) >= writer.max_items:
            self.sender.make_room(writer, writer.max_items)  # blocks until the batcher takes some
        elif len(writer.items) >= writer.limit:
            self.sender.wake()

    def raise_reported(self, writer: SeriesWriter | ObjectWriter) -> None:
        """Rearm writer's limit; raise TrackingError with what the sender reported, if anything."""
        writer.attach(self.sender)
        rejected = self.sender.take_rejections()
        if rejected:
            raise not_stored(rejected)

    def flush(self, timeout: float | None = None) -> None:
        """Send everything tracked so far and wait until the daemon has it durably."""
        sender = self._own_sender()
        sender.wait(sender.flush(), timeout)

    def dropped(self) -> None:
        """Its Run was garbage-collected without close(): the sender sends what is buffered and
        then closes the run, on its own thread (a finalizer must not wait for the daemon)."""
        if self.pid == os.getpid():  # a forked child that never tracked leaves it to the parent
            self.sender.close_later(self)

    def detach(self) -> None:
        """Stop counting this run among the sender's open runs (it was closed)."""
        self._own_sender().open_runs.discard(self.run_hash)

    def after_fork_in_child(self) -> None:
        # The parent sends what was buffered before the fork; the child starts empty and
        # attaches to its own sender on its first track().
        for writer in self._by_id.values():
            writer.forget_buffered()


def not_stored(rejected: list[str]) -> TrackingError:
    """The error for points of this process that were not stored (the first reason, and a count)."""
    more = f" (and {len(rejected) - 1} more)" if len(rejected) > 1 else ""
    return TrackingError(f"some tracked points of this process were not stored: {rejected[0]}{more}")


_live: weakref.WeakSet[Tracker] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for tracker in list(_live):
        tracker.after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)
