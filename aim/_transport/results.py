"""What a query stream yields, as plain typed values (no protobuf): the SDK's query layer reads
these, the codec makes them. Plain classes (dataclasses would make `import aim` load inspect)."""

from __future__ import annotations

from typing import Any


class QueryProgress:
    """How far the daemon has got: runs evaluated so far, of runs to evaluate."""

    __slots__ = ("done", "total")

    def __init__(self, done: int, total: int) -> None:
        self.done = done
        self.total = total

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QueryProgress) and (other.done, other.total) == (self.done, self.total)

    __hash__ = None  # type: ignore[assignment]  # unhashable, as the dict it wraps

    def __repr__(self) -> str:
        return f"QueryProgress(done={self.done}, total={self.total})"


class RunMatch:
    """One run a query matched: its props (with "params" when asked for) and its matching
    sequences (each a dict of metadata and, when points were asked for, "columns")."""

    __slots__ = ("props", "sequences")

    def __init__(self, props: dict[str, Any], sequences: list[dict[str, Any]] | None = None) -> None:
        self.props = props
        self.sequences = [] if sequences is None else sequences

    def __repr__(self) -> str:
        return f"RunMatch(run {self.props.get('hash')!r}, {len(self.sequences)} sequences)"


class GroupStats:
    """One group of an aggregate metric query (computed in the daemon): the values of the fields
    grouped by (decoded JSON, None where the runs have none), the runs of its curves, how many
    curves and common steps it has, and numpy arrays of the steps shown, the line and the band
    (low and high are None without a band)."""

    __slots__ = ("values", "run_hashes", "curves", "common_steps", "steps", "line", "low", "high")

    def __init__(self, values: list[Any], run_hashes: list[str], curves: int, common_steps: int, steps: Any,
                 line: Any, low: Any = None, high: Any = None) -> None:  # fmt: skip
        self.values = values
        self.run_hashes = run_hashes
        self.curves = curves
        self.common_steps = common_steps
        self.steps = steps
        self.line = line
        self.low = low
        self.high = high

    def __repr__(self) -> str:
        return f"GroupStats({self.values!r}, {self.curves} curves, {len(self.steps)} steps)"
