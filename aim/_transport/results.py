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
