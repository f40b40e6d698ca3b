"""Converters: other trackers' logs into runs (aim convert tensorboard | aim3).

A converter describes each run with a RunBuilder, whose parts go to the daemon's ImportRun
(aim._transfer.copy.import_parts), so a converted run lands whole or not at all, and converting the
same logs again skips what is there (each converter derives stable hashes from its source).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from aim import tools
from aim._values import context as _context

MAX_CHUNK_POINTS = 65536  # points in one SeriesChunk / ObjectSeries of an import
_dumps = json.JSONEncoder(separators=(",", ":")).encode


def stable_hash(*parts: str) -> str:
    """A run hash (24 hex digits, as Aim's) derived from where a run came from."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:24]


class RunBuilder:
    """One run to import, described in plain values: props, params, metrics and objects."""

    def __init__(
        self,
        run_hash: str,
        *,
        name: str,
        experiment: str = "default",
        description: str = "",
        tags: Sequence[str] = (),
        archived: bool = False,
        creation_time: float | None = None,
        end_time: float | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.props = {
            "hash": run_hash,
            "name": name,
            "description": description,
            "experiment": experiment or "default",
            "tags": list(tags),
            "archived": archived,
            "creation_time": time.time() if creation_time is None else creation_time,
            "end_time": end_time,
            "active": False,
        }
        self.params = params or {}
        self._parts: list[Any] = []  # ImportParts of the sequences, in order
        self._blobs: set[bytes] = set()
        self.chunks = self.points = 0

    @property
    def run_hash(self) -> str:
        return str(self.props["hash"])

    def metric(
        self,
        name: str,
        context: dict | None,
        steps: Iterable[int],
        values: Iterable[float],
        epochs: Iterable[float | None] | None = None,
        timestamps: Iterable[float] | None = None,
    ) -> None:
        """A metric's points (an int metric when every value is an int)."""
        import numpy as np

        from aim._transport.transfer import series_part
        from aimproto.contract import DTYPE_CODES

        steps_col = np.asarray(list(steps), "<i8")
        raw = list(values)
        is_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in raw)
        values_col = np.asarray(raw, "<i8" if is_int else "<f8")
        epochs_col = _floats(epochs, len(raw))
        stamps_col = np.asarray(
            list(timestamps) if timestamps is not None else [time.time()] * len(raw), "<f8"
        )
        ids = {"run_hash": self.run_hash, "name": name, "context": _context.canonical(context)}
        for at in range(0, len(raw), MAX_CHUNK_POINTS):
            end = at + MAX_CHUNK_POINTS
            part = series_part(
                **ids,
                dtype=DTYPE_CODES["int" if is_int else "float"],
                count=len(steps_col[at:end]),
                steps=steps_col[at:end].tobytes(),
                values=values_col[at:end].tobytes(),
                epochs=epochs_col[at:end].tobytes(),
                timestamps=stamps_col[at:end].tobytes(),
            )
            self._add(part, part.series.count)

    def objects(
        self, name: str, context: dict | None, points: Iterable[tuple[int, float | None, float, Any]]
    ) -> None:
        """An object sequence: (step, epoch or None, timestamp, an aim object or a list of them)
        per point, all of one kind; lists make a list sequence."""
        import numpy as np

        from aim._transport.transfer import blob_parts, objects_part
        from aimproto.contract import DTYPE_CODES

        points = list(points)
        if not points:
            return
        first = points[0][3]
        is_list = isinstance(first, (list, tuple))
        kind = (first[0] if is_list else first).KIND
        dtype = DTYPE_CODES[f"list(aim.{kind})" if is_list else f"aim.{kind}"]
        ids = {"run_hash": self.run_hash, "name": name, "context": _context.canonical(context)}
        for at in range(0, len(points), MAX_CHUNK_POINTS):
            batch = points[at : at + MAX_CHUNK_POINTS]
            counts, metas, shas = [], [], []
            for _, _, _, value in batch:
                items = value if is_list else [value]
                counts.append(len(items))
                for obj in items:
                    meta, payload = tools.object_record(obj)
                    payload = bytes(payload)
                    sha = hashlib.sha256(payload).digest()
                    if sha not in self._blobs:
                        self._blobs.add(sha)
                        self._parts.extend(blob_parts(sha, payload))
                    metas.append(_dumps(meta))
                    shas.append(sha)
            part = objects_part(
                **ids,
                dtype=dtype,
                count=len(batch),
                steps=np.asarray([p[0] for p in batch], "<i8").tobytes(),
                epochs=_floats([p[1] for p in batch], len(batch)).tobytes(),
                timestamps=np.asarray([p[2] for p in batch], "<f8").tobytes(),
                record_counts=counts,
                metas=metas,
                shas=b"".join(shas),
            )
            self._add(part, len(batch))

    def _add(self, part: Any, points: int) -> None:
        self._parts.append(part)
        self.chunks += 1
        self.points += points

    def parts(self) -> Iterator[Any]:
        """The run's ImportParts: start, sequences (blobs before the points naming them), commit."""
        from aim._transport.transfer import commit_part, start_part

        yield start_part(self.props, self.params)
        yield from self._parts
        yield commit_part(self.chunks, self.points)


def _floats(column: Iterable[float | None] | None, n: int) -> Any:
    import numpy as np

    if column is None:
        return np.full(n, math.nan, "<f8")
    return np.asarray([math.nan if v is None else v for v in column], "<f8")
