"""What a query stream yields, as plain typed values (no protobuf): the SDK's query layer reads
these, the codec makes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class QueryProgress:
    """How far the daemon has got: runs evaluated so far, of runs to evaluate."""

    done: int
    total: int


@dataclass
class RunMatch:
    """One run a query matched: its props (with "params" when asked for) and its matching
    sequences (each a dict of metadata and, when points were asked for, "columns")."""

    props: dict[str, Any]
    sequences: list[dict[str, Any]] = field(default_factory=list)
