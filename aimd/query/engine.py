"""The query engine: the runs and sequences a query matches, read on one snapshot.

Order of work for a query: list the runs (newest first), skip archived ones unless the query
mentions run.archived, evaluate the run-level part once per run (its params are loaded lazily,
each path at most once), then, for a sequence query (or a runs query that mentions `metric`,
`images`, ...: a run matches when one of its sequences of that kind does), evaluate the rest
per sequence of the wanted type using only its metadata (only sequences of the names the
query requires, when a top-level conjunct like `metric.name == "loss"` requires some: a
key-prefix scan), and read points only for sequences that matched.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aimd.errors import InvalidInput, NotFound
from aimd.query import downsample
from aimd.query.budget import Budget, Gate
from aimd.query.compile import Query
from aimd.query.views import RunView, SequenceView
from aimd.storage.blocks import DTYPE_NAMES, Columns, SequenceMeta
from aimd.storage.reader import Reader
from aimproto.contract import SEQUENCE_DTYPES  # the sequence types a query can target -> their dtypes

NUMERIC_DTYPES = frozenset(SEQUENCE_DTYPES["metric"])
PROGRESS_EVERY_S = 0.2


@dataclass
class QuerySpec:
    """What a client asked: the expression, the target, and what to send of each match."""

    text: str = ""
    sequence_type: str | None = None  # None: a runs query
    run_hash: str | None = None
    with_points: bool = False
    with_params: bool = False
    offset: str | None = None
    limit: int = 0
    timeout_s: float = 5.0
    include_archived: bool = False
    values_only: bool = False  # with_points: send steps and values, not epochs and timestamps
    max_points: int = 0  # with_points: reduce longer numeric sequences to this many points (0: all)


@dataclass
class RunMatch:
    props: dict[str, Any]
    params: Any  # the whole params tree, or None unless with_params


@dataclass
class SequenceMatch:
    run_hash: str
    name: str
    context: str  # canonical JSON
    meta: SequenceMeta
    # its points block by block, read as consumed (without epochs and timestamps when the spec
    # is values_only and not reduced); None unless with_points
    blocks: Iterator[Columns] | None


@dataclass
class Progress:
    done: int
    total: int


Match = RunMatch | SequenceMatch | Progress


def query_view_fields(meta: SequenceMeta) -> dict[str, Any]:
    """What a query sees of a sequence without reading its points."""
    return {
        "dtype": DTYPE_NAMES.get(meta.dtype, "unknown"),
        "count": meta.count,
        "first_step": meta.first_step,
        "last_step": meta.last_step,
        "first_value": meta.first_value,
        "last_value": meta.last_value,
        "min": meta.min_value,
        "max": meta.max_value,
    }


@functools.lru_cache(maxsize=4096)
def _parse_context(context: str) -> dict[str, Any]:
    """A context dict from its canonical JSON; shared between views (which never mutate it):
    the same few contexts recur in every run."""
    return json.loads(context)


class Engine:
    """Evaluates one query over a snapshot of the store, yielding matches as it finds them."""

    def __init__(
        self,
        reader: Reader,
        spec: QuerySpec,
        *,
        report_progress: bool = False,
        cancelled: threading.Event | None = None,
        gate: Gate | None = None,
    ) -> None:
        if spec.sequence_type is not None and spec.sequence_type not in SEQUENCE_DTYPES:
            known = ", ".join(SEQUENCE_DTYPES)
            raise InvalidInput(f"unknown sequence type {spec.sequence_type!r}; known: {known}")
        self.spec = spec
        self.reader = reader.snapshot()
        self.budget = Budget(seconds=spec.timeout_s, gate=gate)
        self.query = Query(spec.text, spec.sequence_type or "runs", self.budget)
        self.report_progress = report_progress
        self.cancelled = cancelled or threading.Event()  # set: stop at the next run or sequence
        self.done = self.total = 0  # runs evaluated so far, of how many

    def _candidates(self) -> list[dict[str, Any]]:
        spec = self.spec
        if spec.run_hash:
            props = self.reader.run(spec.run_hash)
            if props is None:
                raise NotFound(f"run {spec.run_hash!r} does not exist")
            candidates = [props]
        else:
            candidates = sorted(self.reader.runs(), key=lambda p: p["creation_time"], reverse=True)
        if spec.offset:
            at = next((i for i, p in enumerate(candidates) if p["hash"] == spec.offset), None)
            if at is None:
                raise NotFound(f"offset run {spec.offset!r} does not exist")
            candidates = candidates[at + 1 :]
        if not (spec.include_archived or self.query.mentions_archived):
            candidates = [p for p in candidates if not p["archived"]]
        return candidates

    def _run_view(self, props: dict[str, Any]) -> RunView:
        run_hash, reader = props["hash"], self.reader

        def load_sequences() -> list[tuple[str, dict, dict]]:
            return [
                (name, _parse_context(context), query_view_fields(meta))
                for name, context, meta in reader.sequences(run_hash)
            ]

        return RunView(props, lambda path: reader.params(run_hash, path), load_sequences)

    def __iter__(self) -> Iterator[Match]:
        spec, query, reader = self.spec, self.query, self.reader
        candidates = self._candidates()
        total, matched = len(candidates), 0
        self.total = total
        last_report = time.monotonic()
        for done, props in enumerate(candidates):
            self.done = done
            if self.cancelled.is_set():
                return
            if self.report_progress and time.monotonic() - last_report >= PROGRESS_EVERY_S:
                last_report = time.monotonic()
                yield Progress(done, total)
            self.budget.check()
            run = self._run_view(props)
            if not query.match_run(run):
                continue
            if spec.sequence_type is not None:
                found = False
                for sequence in self._sequences(run, props, spec.sequence_type):  # one at a time
                    found = True
                    yield sequence
                if not found:
                    continue
            elif query.sequence_kind is not None:  # a runs query over sequences: one match will do
                sequences = self._sequences(run, props, query.sequence_kind, with_points=False)
                if next(sequences, None) is None:
                    continue
            # after its sequences, if any: the header says the run is complete
            yield RunMatch(props, reader.params(props["hash"]) if spec.with_params else None)
            matched += 1
            if spec.limit and matched >= spec.limit:
                self.done = done + 1
                break
        else:
            self.done = total
        if self.report_progress:
            yield Progress(total, total)

    def _sequences(
        self, run: RunView, props: dict[str, Any], kind: str, *, with_points: bool = True
    ) -> Iterator[SequenceMatch]:
        """The run's sequences of kind that match (with points when the client asked and
        with_points), one at a time."""
        spec, query, reader = self.spec, self.query, self.reader
        wanted = SEQUENCE_DTYPES[kind]
        run_hash = props["hash"]
        names = query.sequence_names
        listed = (
            reader.sequences(run_hash)
            if names is None
            else [seq for name in sorted(names) for seq in reader.sequences(run_hash, name)]
        )
        for name, context, meta in listed:
            if self.cancelled.is_set():
                return
            if meta.dtype not in wanted:
                continue
            if query.has_sequence_part:
                view = SequenceView(name, _parse_context(context), query_view_fields(meta), run)
                if not query.match_sequence(run, view):
                    continue
            blocks = None
            # objects: read via ReadObjects
            if with_points and spec.with_points and meta.dtype in NUMERIC_DTYPES:
                # values_only and not reduced: epochs and timestamps are never looked at
                times = not spec.values_only or bool(spec.max_points)
                blocks = reader.point_blocks(run_hash, name, context, times=times)
                if spec.max_points:
                    blocks = downsample.min_max(blocks, meta.count, spec.max_points)
            yield SequenceMatch(run_hash, name, context, meta, blocks)
