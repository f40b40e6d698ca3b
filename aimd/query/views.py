"""The data a query can reach: a run, its sequences, lazy params references, and Missing.

These are plain holders. They expose no query-visible behaviour themselves: every attribute or item
access a query makes goes through the guards in access.py, which consult the tables here
(RUN_ATTRIBUTES, SEQUENCE_ATTRIBUTES) and call the plain methods below (RunView.attribute,
RunView.param, RunView.sequence, SequenceView.attribute). So nothing here must be safe to hand to
arbitrary code; it only has to keep the data straight:

- A RunView reads params lazily, one params path at a time, and caches every path it read: a
  path is read at most once per RunView (the engine builds one RunView per run per query).
- A ParamRef is an unresolved params path (`run.hparams` inside `run.hparams.lr`); the compiled
  query resolves the outermost link of each attribute/subscript chain, so only the full path is
  read.
- MISSING_VIEW (the one Missing instance) stands for every absent value at any depth: an absent
  param, a missing context key, a metric a run does not have. It equals None (and only None or
  itself), is falsy, behaves as an empty container (len 0, iterates nothing, contains nothing),
  is unordered (ordering comparisons with it are False in queries), and str()/repr() give 'None'.
  Attribute and item access on it give it again (see access.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aimd.storage.reader import MISSING as STORED_MISSING
from aimd.storage.values import RUN_PROPS

__all__ = [
    "MISSING_VIEW",
    "RUN_ATTRIBUTES",
    "SEQUENCE_ATTRIBUTES",
    "Missing",
    "ParamRef",
    "RunMetrics",
    "RunView",
    "SequenceView",
    "ViewError",
]

_EPOCH = datetime(1970, 1, 1)
_NOT_LOADED: Any = object()


class ViewError(RuntimeError):
    """Reading a run's data for a query failed (a storage problem, not the query's fault)."""


class Missing:
    """The value of anything absent. Use MISSING_VIEW; there is only one instance."""

    __slots__ = ()
    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __eq__(self, other: object) -> bool:
        return other is None or other is self

    def __ne__(self, other: object) -> bool:
        return not (other is None or other is self)

    def __hash__(self) -> int:
        return hash(None)

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Any:
        return iter(())

    def __reversed__(self) -> Any:
        return iter(())

    def __contains__(self, item: object) -> bool:
        return False

    def __repr__(self) -> str:
        return "None"

    __str__ = __repr__


MISSING_VIEW = Missing()


class ParamRef:
    """An unresolved params path of a run: an intermediate link of `run.a.b.c`."""

    __slots__ = ("run", "path")

    def __init__(self, run: RunView, path: tuple[str, ...]) -> None:
        self.run = run
        self.path = path

    def load(self) -> Any:
        return self.run.param(self.path)

    def __repr__(self) -> str:
        return f"<params {'.'.join(self.path)} of run {self.run.props.get('hash')}>"


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a context (dicts and lists nested in it included)."""
    if isinstance(value, dict):
        return ("d", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("l", tuple(_freeze(v) for v in value))
    return value


class RunView:
    """One run as a query sees it.

    props: hash, name, description, experiment, tags, archived, creation_time, end_time, active,
    status.
    load_param(path) gives the params value at path, or aimd.storage.reader.MISSING.
    load_sequences() gives (name, context, info) for every sequence of the run.
    """

    __slots__ = ("props", "_load_param", "_load_sequences", "_params", "_sequences", "_metrics")

    def __init__(
        self,
        props: dict[str, Any],
        load_param: Callable[[tuple[str, ...]], Any],
        load_sequences: Callable[[], list[tuple[str, dict, dict]]],
    ) -> None:
        self.props = props
        self._load_param = load_param
        self._load_sequences = load_sequences
        self._params: dict[tuple[str, ...], Any] = {}
        self._sequences: dict[Any, SequenceView] | None = None
        self._metrics: RunMetrics | None = None

    def param(self, path: tuple[str, ...]) -> Any:
        """The params value at path (MISSING_VIEW when absent), read once and then cached."""
        value = self._params.get(path, _NOT_LOADED)
        if value is _NOT_LOADED:
            try:
                value = self._load_param(path)
            except Exception as exc:
                raise ViewError(f"reading params {path!r} of run {self.props.get('hash')} failed") from exc
            if value is STORED_MISSING:
                value = MISSING_VIEW
            self._params[path] = value
        return value

    def attribute(self, name: str) -> Any:
        """The value of a query-visible run attribute; name must be in RUN_ATTRIBUTES."""
        return _RUN_GETTERS[name](self)

    def sequence(self, name: str, context: dict) -> SequenceView | Missing:
        """The run's sequence with this name and context, or MISSING_VIEW."""
        index = self._sequences
        if index is None:
            try:
                sequences = self._load_sequences()
            except Exception as exc:
                raise ViewError(f"reading the sequences of run {self.props.get('hash')} failed") from exc
            index = self._sequences = {
                (seq_name, _freeze(ctx)): SequenceView(seq_name, ctx, info, self)
                for seq_name, ctx, info in sequences
            }
        return index.get((name, _freeze(context)), MISSING_VIEW)

    def metrics(self) -> RunMetrics:
        if self._metrics is None:
            self._metrics = RunMetrics(self)
        return self._metrics

    def __repr__(self) -> str:
        return f"<run {self.props.get('hash')}>"


def _duration(run: RunView) -> float:
    props = run.props
    end = props.get("end_time")
    if end is None or props.get("active"):
        end = time.time()
    return end - props["creation_time"]


def _utc(seconds: float | None) -> datetime | None:
    return None if seconds is None else _EPOCH + timedelta(seconds=seconds)


def _prop(name: str) -> Callable[[RunView], Any]:
    return lambda run: run.props.get(name)


_RUN_GETTERS: dict[str, Callable[[RunView], Any]] = {
    **{name: _prop(name) for name in RUN_PROPS},
    "created_at": lambda run: _utc(run.props.get("creation_time")),
    "finalized_at": lambda run: _utc(run.props.get("end_time")),
    "duration": _duration,
    "metrics": RunView.metrics,
}

#: Attribute names of `run` that are run properties; any other name is a params key.
RUN_ATTRIBUTES = frozenset(_RUN_GETTERS)


class RunMetrics:
    """`run.metrics`: `run.metrics['loss']` or `run.metrics['loss', {'subset': 'val'}]`."""

    __slots__ = ("run",)

    def __init__(self, run: RunView) -> None:
        self.run = run

    def lookup(self, key: Any) -> SequenceView | Missing:
        """The sequence a subscript names; TypeError for a key of the wrong shape."""
        if type(key) is str:
            return self.run.sequence(key, {})
        if type(key) is tuple and len(key) == 2 and type(key[0]) is str and type(key[1]) is dict:
            return self.run.sequence(key[0], key[1])
        raise TypeError("run.metrics[...] takes a name, or a name and a context dict")

    def __repr__(self) -> str:
        return f"<metrics of run {self.run.props.get('hash')}>"


_INFO_KEYS = {
    "last": "last_value",
    "first": "first_value",
    "last_step": "last_step",
    "first_step": "first_step",
    "min": "min",
    "max": "max",
    "count": "count",
}

#: Attribute names of a sequence variable (`metric`, `images`, ...).
SEQUENCE_ATTRIBUTES = frozenset({"name", "context", "run", *_INFO_KEYS})


class SequenceView:
    """One sequence of a run: name, context, and what its info says of its points."""

    __slots__ = ("name", "context", "info", "run")

    def __init__(self, name: str, context: dict, info: dict, run: RunView) -> None:
        self.name = name
        self.context = context
        self.info = info
        self.run = run

    def attribute(self, name: str) -> Any:
        """The value of a query-visible attribute; name must be in SEQUENCE_ATTRIBUTES."""
        if name == "name":
            return self.name
        if name == "context":
            return self.context
        if name == "run":
            return self.run
        return self.info.get(_INFO_KEYS[name], MISSING_VIEW)

    def __repr__(self) -> str:
        return f"<sequence {self.name} {self.context}>"
