"""Whole-run imports: a run's parts gathered in memory, then staged as one mutation.

An import (aim import, aim runs cp/mv, converters) must land whole or not at all. Its blob chunks
are stored as they arrive (content-addressed: a blob alone changes no run). Its props, params,
series and object series are kept here until the commit, which stages all of them in one
mutation of one Transaction, so they reach the store in one LevelDB WriteBatch. A stream that
breaks before the commit leaves nothing behind but blobs. The gathered run is held in memory:
about 32 bytes per point plus the objects' records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aimd.errors import InvalidInput
from aimd.ingest import objects, points, runs
from aimd.ingest.objects import ObjectPoints
from aimd.ingest.points import SeriesPoints
from aimd.ingest.transaction import Transaction
from aimd.storage.blocks import DTYPE_FLOAT, Columns


@dataclass
class GatheredRun:
    """The parts of one run received so far (everything but its blobs)."""

    props: dict[str, Any]
    params: dict[str, Any] | None
    series: dict[tuple[str, str], list[SeriesPoints]] = field(default_factory=dict)
    objects: list[ObjectPoints] = field(default_factory=list)
    chunks: int = 0
    points: int = 0

    def add_series(self, item: SeriesPoints) -> None:
        self._check_run(item.run_hash)
        self.series.setdefault((item.name, item.context), []).append(item)
        self.chunks += 1
        self.points += len(item.cols)

    def add_objects(self, item: ObjectPoints) -> None:
        self._check_run(item.run_hash)
        self.objects.append(item)
        self.chunks += 1
        self.points += len(item.steps)

    def check_counts(self, chunks: int, point_count: int) -> None:
        """The commit's counts must match what arrived."""
        if (chunks, point_count) != (self.chunks, self.points):
            raise InvalidInput(
                f"import of run {self.props['hash']!r}: the commit announces {chunks} series and "
                f"{point_count} points, {self.chunks} series and {self.points} points arrived"
            )

    def _check_run(self, run_hash: str) -> None:
        if run_hash != self.props["hash"]:
            raise InvalidInput(f"an import of run {self.props['hash']!r} holds points of run {run_hash!r}")


def stage(tx: Transaction, run: GatheredRun) -> dict[str, Any]:
    """Stage the whole run (one mutation); AlreadyExists when its hash is taken."""
    props = runs.restore(tx, run.props)
    run_hash = props["hash"]
    if run.params:
        runs.set_params(tx, run_hash, [], run.params)
    for (name, context), parts in run.series.items():
        dtype = DTYPE_FLOAT if any(p.dtype == DTYPE_FLOAT for p in parts) else parts[0].dtype
        cols = Columns.concat([p.cols for p in parts])
        points.append(tx, points.SeriesPoints(run_hash, name, context, dtype, cols))
    for item in run.objects:
        objects.append(tx, item)
    return props
