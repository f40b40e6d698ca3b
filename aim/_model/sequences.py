"""Sequences of a run: read views over the columns the daemon returns, fetched once, on first use.

A Sequence holds its metadata (count, first and last step, last value, min and max) from the
listing that found it, so len(), first_step() and last_step() cost no read of the points. The
points come with a query result that carried them, or else from one ReadSequence call.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from aim._values import context as _context
from aim._values.context import Context
from aimproto.contract import DTYPE_NAMES, SEQUENCE_DTYPES

if TYPE_CHECKING:
    import numpy as np
    from pandas import DataFrame

    from aim._model.run import Run

_COLUMNS = {"val": "values", "epoch": "epochs", "time": "timestamps"}  # Aim's column names -> ours
_ALIASES = {"values": "val", "epochs": "epoch", "timestamps": "time"}


def _scalar(array: Any, i: int) -> Any:
    """array[i] as a plain Python value (numpy scalars converted, objects as they are)."""
    i = i if i >= 0 else len(array) + i
    return array[i : i + 1].tolist()[0]


class ArrayView:
    """One column of a sequence (values, epochs or timestamps), its points ordered by step.

    Indexing is by step, as in Aim: view[10] is the value tracked at step 10.
    """

    def __init__(self, steps: np.ndarray, values: np.ndarray) -> None:
        self._steps = steps
        self._values = values

    @property
    def dtype(self) -> Any:
        return self._values.dtype

    def __len__(self) -> int:
        return len(self._steps)

    def __bool__(self) -> bool:
        return len(self._steps) > 0

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values.tolist())

    def __getitem__(self, step: int) -> Any:
        """The value at step; KeyError when nothing was tracked at it."""
        if isinstance(step, slice):  # Aim's ArrayView refuses slices with NotImplementedError too
            raise NotImplementedError("takes one step, not a slice: use seq.data.range(start, stop)")
        i = self._position(step)
        if i is None:
            raise KeyError(step)
        return _scalar(self._values, i)

    def _position(self, step: int) -> int | None:
        i = int(self._steps.searchsorted(step))
        return i if i < len(self._steps) and self._steps[i] == step else None

    # --- as lists and arrays ----------------------------------------------------------
    def values_numpy(self) -> np.ndarray:
        return self._values

    def indices_numpy(self) -> np.ndarray:
        return self._steps

    def sparse_numpy(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values)."""
        return self._steps, self._values

    def values_list(self) -> list:
        return self._values.tolist()

    def indices_list(self) -> list[int]:
        return self._steps.tolist()

    def sparse_list(self) -> tuple[list[int], list]:
        """(steps, values)."""
        return self._steps.tolist(), self._values.tolist()

    def tolist(self) -> list:
        return self._values.tolist()

    # --- iterators --------------------------------------------------------------------
    def values(self) -> Iterator[Any]:
        return iter(self._values.tolist())

    def indices(self) -> Iterator[int]:
        return iter(self._steps.tolist())

    keys = indices

    def items(self) -> Iterator[tuple[int, Any]]:
        """(step, value) pairs, step-ordered."""
        return zip(self._steps.tolist(), self._values.tolist(), strict=True)

    def items_in_range(self, start: int, stop: int, count: int | None = None) -> Iterator[tuple[int, Any]]:
        """(step, value) for start <= step < stop; with count, about count of them, evenly spaced."""
        lo, hi = self._steps.searchsorted(start), self._steps.searchsorted(stop)
        every = max((hi - lo) // count, 1) if count else 1
        return zip(self._steps[lo:hi:every].tolist(), self._values[lo:hi:every].tolist(), strict=True)

    def values_in_range(self, start: int, stop: int, count: int | None = None) -> Iterator[Any]:
        return (value for _, value in self.items_in_range(start, stop, count))

    # --- ends -------------------------------------------------------------------------
    def _end(self, i: int) -> tuple[int, Any]:
        if not len(self._steps):
            raise IndexError("the sequence has no points")
        return int(self._steps[i]), _scalar(self._values, i)

    def first(self) -> tuple[int, Any]:
        """(step, value) at the first step."""
        return self._end(0)

    def last(self) -> tuple[int, Any]:
        """(step, value) at the last step."""
        return self._end(-1)

    def first_idx(self) -> int:
        return self._end(0)[0]

    def last_idx(self) -> int:
        return self._end(-1)[0]

    min_idx, max_idx = first_idx, last_idx

    def first_value(self) -> Any:
        return self._end(0)[1]

    def last_value(self) -> Any:
        return self._end(-1)[1]

    def __repr__(self) -> str:
        return f"<ArrayView of {len(self)} points>"


class SequenceData:
    """Steps and several columns together (Aim's Sequence.data): val, epoch and time by default."""

    def __init__(self, steps: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        self._steps = steps
        self._columns = columns  # Aim's names (val, epoch, time) -> arrays aligned with steps

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def numpy(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """(steps, [values, epochs, timestamps]) as arrays."""
        return self._steps, list(self._columns.values())

    def items_list(self) -> tuple[list[int], list[list]]:
        """(steps, [values, epochs, timestamps]) as lists."""
        return self._steps.tolist(), [column.tolist() for column in self._columns.values()]

    def indices_list(self) -> list[int]:
        return self._steps.tolist()

    def values_list(self) -> list[list]:
        return self.items_list()[1]

    def items(self) -> Iterator[tuple[int, tuple]]:
        """(step, (value, epoch, timestamp)) per point."""
        steps, columns = self.items_list()
        return zip(steps, zip(*columns, strict=True), strict=True)

    __iter__ = items

    def indices(self) -> Iterator[int]:
        return iter(self.indices_list())

    def values(self) -> Iterator[tuple]:
        return zip(*self.values_list(), strict=True)

    def __len__(self) -> int:
        return len(self._steps)

    def view(self, columns: str | list[str]) -> SequenceData:
        """Only the given columns ('val', 'epoch', 'time'; or 'values', 'epochs', 'timestamps')."""
        names = [_ALIASES.get(c, c) for c in ([columns] if isinstance(columns, str) else columns)]
        return SequenceData(self._steps, {c: self._columns[c] for c in names if c in self._columns})

    def range(self, start: int, stop: int) -> SequenceData:
        """The points with start <= step < stop."""
        lo, hi = self._steps.searchsorted(start), self._steps.searchsorted(stop)
        return SequenceData(self._steps[lo:hi], {c: a[lo:hi] for c, a in self._columns.items()})

    def sample(self, k: int) -> SequenceData:
        """About k points, evenly spaced, always keeping the last one."""
        n = len(self._steps)
        every = max(n // k, 1) if k > 0 else 1
        if every == 1:
            return self
        import numpy as np

        picked = np.arange(0, n, every)
        if picked[-1] != n - 1:
            picked = np.append(picked, n - 1)
        return SequenceData(self._steps[picked], {c: a[picked] for c, a in self._columns.items()})


class Sequence:
    """A named, context-qualified series of one run; subclasses say which values it holds.

    Values, epochs (NaN where none was given) and timestamps (seconds since the epoch) are
    ArrayViews ordered by step.
    """

    registry: ClassVar[dict[str, type[Sequence]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.sequence_name() is not None:
            Sequence.registry[cls.sequence_name()] = cls  # type: ignore[index]  # sequence_name() is typed str | None; checked just above

    def __init__(
        self,
        name: str,
        context: dict | None,
        run: Run,
        *,
        info: dict[str, Any] | None = None,
        columns: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.name = name
        self.context = context if isinstance(context, Context) else Context(context)
        self.run = run
        self._info = info  # the listing's metadata: count, first_step, last_step, last_value, ...
        self._data = columns  # steps, values, epochs, timestamps

    @classmethod
    def allowed_dtypes(cls) -> str | tuple[str, ...]:
        """The value types this class reads; '*' (the base Sequence): any."""
        return "*"

    @classmethod
    def sequence_name(cls) -> str | None:
        """The name queries use for this kind of sequence ('metric', 'images', ...)."""
        return None

    # --- loading ----------------------------------------------------------------------
    def _columns(self, *, full: bool = False) -> dict[str, np.ndarray]:
        """The points: steps and values at least; full: epochs and timestamps too (a query that
        brought values only leaves those in the store until they are asked for)."""
        if self._data is None or (full and "epochs" not in self._data):
            self._data = self.run._client.read_sequence(self.run.hash, self.name, self.context._canonical)
        return self._data

    def _meta(self) -> dict[str, Any]:
        if self._info is None:
            wanted = self.context._canonical
            listed = self.run._client.list_sequences(self.run.hash)
            found = [i for i in listed if i["name"] == self.name and i["context"] == wanted]
            self._info = found[0] if found else {"count": 0, "first_step": None, "last_step": None}
        return self._info

    def preload(self) -> None:
        """Fetch the points now (they are otherwise fetched on first use)."""
        self._columns()

    # --- points -----------------------------------------------------------------------
    def _view(self, column: str) -> ArrayView:
        data = self._columns(full=column != "values")
        return ArrayView(data["steps"], data[column])

    @property
    def values(self) -> ArrayView:
        return self._view("values")

    @property
    def epochs(self) -> ArrayView:
        return self._view("epochs")

    @property
    def timestamps(self) -> ArrayView:
        return self._view("timestamps")

    @property
    def indices(self) -> list[int]:
        """The steps, as a list."""
        return self._columns()["steps"].tolist()

    @property
    def data(self) -> SequenceData:
        """Steps with the val, epoch and time columns: data.numpy(), data.items_list()."""
        data = self._columns(full=True)
        return SequenceData(data["steps"], {ours: data[col] for ours, col in _COLUMNS.items()})

    # --- metadata (no read of the points) ---------------------------------------------
    def first_step(self) -> int | None:
        if self._data is not None:
            return int(self._data["steps"][0]) if len(self._data["steps"]) else None
        return self._meta()["first_step"]

    def last_step(self) -> int | None:
        if self._data is not None:
            return int(self._data["steps"][-1]) if len(self._data["steps"]) else None
        return self._meta()["last_step"]

    def __len__(self) -> int:
        if self._data is not None:
            return len(self._data["steps"])
        return self._meta()["count"]

    def __bool__(self) -> bool:
        return len(self) > 0

    # --- identity ---------------------------------------------------------------------
    def _key(self) -> tuple[str, str, str]:
        return self.run.hash, self.name, self.context._canonical

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.context._canonical} of run {self.run.hash}>"


def _dtype_names(sequence_type: str) -> tuple[str, ...]:
    """The dtype names ("aim.image", "list(aim.image)", ...) a sequence type holds."""
    return tuple(DTYPE_NAMES[code] for code in SEQUENCE_DTYPES[sequence_type])


class Metric(Sequence):
    """A sequence of numbers (int or float)."""

    @classmethod
    def allowed_dtypes(cls) -> tuple[str, ...]:
        return ("float", "float64", "int")  # as Aim says it (float64: its name for float)

    @classmethod
    def sequence_name(cls) -> str:
        return "metric"

    def dataframe(
        self,
        include_name: bool = False,
        include_context: bool = False,
        include_run: bool = False,
        only_last: bool = False,
    ) -> DataFrame:
        """The points as a pandas DataFrame: idx, step, value, epoch, time, and optionally the
        metric's name (metric.name), context (metric.context.*), run hash and params (run.*).
        Needs pandas (pip install pandas)."""
        from aim._model import dataframes as _dataframes

        return _dataframes.metric_frame(
            self,
            include_name=include_name,
            include_context=include_context,
            include_run=include_run,
            only_last=only_last,
        )


class ObjectSequence(Sequence):
    """A sequence of tracked objects (images, distributions, texts, audio, figures, log records), or
    lists of them.

    Listing reads metadata only; the first access to the values reads the points' records,
    then every blob they name in one call, and decodes each object once.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._object_points: dict[str, Any] | None = None  # records of the points, without blobs

    def _records(self) -> dict[str, Any]:
        if self._object_points is None:
            self._object_points = self.run._client.read_objects(
                self.run.hash, self.name, self.context._canonical
            )
        return self._object_points

    def _columns(self, *, full: bool = False) -> dict[str, np.ndarray]:
        if self._data is None:
            import numpy as np

            from aim import objects

            points = self._records()
            shas = sorted({sha for records in points["records"] for _, _, sha in records})
            blobs = dict(zip(shas, self.run._client.get_blobs(shas), strict=True))
            classes = objects.KINDS
            is_list = points["dtype"].startswith("list(")
            values = np.empty(len(points["records"]), dtype=object)
            for i, records in enumerate(points["records"]):
                decoded = [classes[kind]._from_record(meta, blobs[sha]) for kind, meta, sha in records]
                values[i] = decoded if is_list else decoded[0]
            self._data = {
                "steps": points["steps"],
                "values": values,
                "epochs": points["epochs"],
                "timestamps": points["timestamps"],
            }
        return self._data

    def record_length(self) -> int | None:
        """The longest list tracked at one step, or None for a sequence of single objects."""
        points = self._records()
        if not points["dtype"].startswith("list("):
            return None
        return max((len(records) for records in points["records"]), default=0)


class Images(ObjectSequence):
    """A sequence of images (aim.Image) or lists of them."""

    @classmethod
    def allowed_dtypes(cls) -> tuple[str, ...]:
        return _dtype_names("images")

    @classmethod
    def sequence_name(cls) -> str:
        return "images"


class Distributions(ObjectSequence):
    """A sequence of distributions (aim.Distribution)."""

    @classmethod
    def allowed_dtypes(cls) -> tuple[str, ...]:
        return _dtype_names("distributions")

    @classmethod
    def sequence_name(cls) -> str:
        return "distributions"


class Texts(ObjectSequence):
    """A sequence of texts (aim.Text) or lists of them."""

    @classmethod
    def allowed_dtypes(cls) -> tuple[str, ...]:
        return _dtype_names("texts")

    @classmethod
    def sequence_name(cls) -> str:
        return "texts"


class Audios(ObjectSequence):
    """A sequence of audio clips (aim.Audio) or lists of them."""

    @classmethod
    def allowed_dtypes(cls) -> tuple[str, ...]:
        return _dtype_names("audios")

    @classmethod
    def sequence_name(cls) -> str:
        return "audios"


class Figures(ObjectSequence):
    """A sequence of figures (aim.Figure)."""

    @classmethod
    def allowed_dtypes(cls) -> tuple[str, ...]:
        return _dtype_names("figures")

    @classmethod
    def sequence_name(cls) -> str:
        return "figures"


class LogRecords(ObjectSequence):
    """A run's log (aim.LogRecord per step): what Run.log_info() and the like track."""

    @classmethod
    def allowed_dtypes(cls) -> tuple[str, ...]:
        return _dtype_names("log_records")

    @classmethod
    def sequence_name(cls) -> str:
        return "log_records"


def class_for(dtype: str) -> type[Sequence]:
    """The most specific sequence class reading dtype (Sequence when none does)."""
    for cls in Sequence.registry.values():
        if dtype_matches(dtype, cls.allowed_dtypes()) and cls.allowed_dtypes() != "*":
            return cls
    return Sequence


def dtype_matches(dtype: str, allowed: str | tuple[str, ...]) -> bool:
    """Whether a sequence of dtype is read by a class allowing `allowed` ('*' allows all)."""
    allowed = (allowed,) if isinstance(allowed, str) else allowed
    return "*" in allowed or dtype in allowed


def from_info(seq_cls: type[Sequence], run: Run, info: dict[str, Any]) -> Sequence:
    """A seq_cls for one listed or queried sequence (context as canonical JSON or a dict);
    with the points when the info carries them (its 'columns')."""
    context = info["context"]
    if isinstance(context, str):
        context = _context.parse(context)
    columns = info.get("columns")
    meta = {key: value for key, value in info.items() if key != "columns"}
    if seq_cls is Sequence:  # any sequence: read it with the class of its dtype
        seq_cls = class_for(info.get("dtype", ""))
    return seq_cls(info["name"], context, run, info=meta, columns=columns)
