"""The wire format in one place: plain values and numpy columns to protobuf messages and back.

The rest of the SDK never sees a message: the client and the sender call these functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from aim._transport.results import GroupStats, QueryProgress, RunMatch
from aimproto import convert
from aimproto.contract import DTYPE_NAMES, OBJECT_KINDS, SHA256_BYTES
from aimproto.v1 import common_pb2, query_pb2, tracking_pb2

_NUMPY: dict[int, str] = {common_pb2.DTYPE_INT: "<i8", common_pb2.DTYPE_FLOAT: "<f8"}
SeriesChunk = tracking_pb2.SeriesChunk
POINT_RECORD = np.dtype([("step", "<i8"), ("value", "<f8"), ("epoch", "<f8"), ("time", "<f8")])


# --- sequences ----------------------------------------------------------------------------------
def sequence_summary(msg: common_pb2.SequenceInfo) -> dict[str, Any]:
    """A SequenceInfo as a dict: name, context (canonical JSON), dtype name, count, first/last
    step and value, min, max."""
    return {
        "name": msg.name,
        "context": msg.context,
        "dtype": DTYPE_NAMES.get(msg.dtype, "unknown"),
        "count": msg.count,
        "first_step": msg.first_step,
        "last_step": msg.last_step,
        "first_value": msg.first_value,
        "last_value": msg.last_value,
        "min": msg.min_value,
        "max": msg.max_value,
    }


def join_points(chunks: Sequence[Any], dtype: int, *, values_only: bool = False) -> dict[str, np.ndarray]:
    """The packed point columns of chunks (PointsChunk or SequenceBlock messages, in order) as
    writable numpy arrays: steps, values (int64 or float64 by dtype) and, unless values_only,
    epochs and timestamps."""
    columns: dict[str, str] = {"steps": "<i8", "values": _NUMPY.get(dtype, "<f8")}
    if not values_only:
        columns |= {"epochs": "<f8", "timestamps": "<f8"}
    return {name: join([getattr(c, name) for c in chunks], np_dtype) for name, np_dtype in columns.items()}


def join(parts: list[bytes], dtype: str) -> np.ndarray:
    """One array from the bytes of several chunks (one copy, into memory the array owns)."""
    return np.frombuffer(bytearray().join(parts), dtype).astype(dtype[1:], copy=False)


def object_points(chunks: Sequence[Any]) -> dict[str, Any]:
    """ObjectsChunk messages (in order) as Client.read_objects describes them."""
    dtype = chunks[0].dtype if chunks else common_pb2.DTYPE_UNSPECIFIED
    kind = OBJECT_KINDS.get(dtype, "unknown")
    records: list[list[tuple[str, dict[str, Any], str]]] = []
    for chunk in chunks:
        shas = chunk.shas.hex()
        at = 0
        for n in chunk.record_counts:
            records.append(
                [
                    (
                        kind,
                        json.loads(chunk.metas[i]),
                        shas[2 * SHA256_BYTES * i : 2 * SHA256_BYTES * (i + 1)],
                    )
                    for i in range(at, at + n)
                ]
            )
            at += n
    return {
        "dtype": DTYPE_NAMES.get(dtype, "unknown"),
        "steps": join([c.steps for c in chunks], "<i8"),
        "epochs": join([c.epochs for c in chunks], "<f8"),
        "timestamps": join([c.timestamps for c in chunks], "<f8"),
        "records": records,
    }


# --- tracking -----------------------------------------------------------------------------------
def series_chunk(
    run_hash: str, name: str, context: str, records: bytes | bytearray, *, is_float: bool
) -> tracking_pb2.SeriesChunk:
    """A SeriesChunk of packed 32-byte point records (POINT_RECORD: step, value, epoch, time);
    values go as float64 when is_float, else as int64."""
    table = np.frombuffer(records, POINT_RECORD)
    values = table["value"].astype("<f8" if is_float else "<i8")
    return tracking_pb2.SeriesChunk(
        run_hash=run_hash,
        name=name,
        context=context,
        dtype=common_pb2.DTYPE_FLOAT if is_float else common_pb2.DTYPE_INT,
        count=len(table),
        steps=table["step"].tobytes(),
        values=values.tobytes(),
        epochs=table["epoch"].tobytes(),
        timestamps=table["time"].tobytes(),
    )


def track_batch(series: list[tracking_pb2.SeriesChunk]) -> tracking_pb2.TrackRequest:
    """A Track request carrying a batch of series chunks (the stream numbers it)."""
    return tracking_pb2.TrackRequest(batch=tracking_pb2.Batch(series=series))


# --- querying -----------------------------------------------------------------------------------
def query_request(
    query: str,
    seq_type: str | None,
    *,
    run_hash: str | None,
    with_points: bool,
    with_params: bool,
    offset: str | None,
    limit: int | None,
    timeout_s: float | None,
    report_progress: bool,
    include_archived: bool,
    values_only: bool,
    max_points: int = 0,
    aggregate: dict[str, Any] | None = None,
) -> query_pb2.QueryRequest:
    """The request of a query; aggregate (group_by, line, band, max_points) asks a metric query
    for group statistics instead of points (aimd.query.aggregate)."""
    return query_pb2.QueryRequest(
        query=query,
        sequence_type=seq_type or "",
        run_hash=run_hash or "",
        with_points=with_points,
        with_params=with_params,
        offset=offset or "",
        limit=limit or 0,
        timeout_s=timeout_s or 0.0,
        report_progress=report_progress,
        include_archived=include_archived,
        values_only=values_only,
        max_points=max_points,  # 0: every point; else the daemon's min/max reduction
        aggregate=None if aggregate is None else query_pb2.Aggregation(**aggregate),
    )


def query_results(
    chunks: Iterator[query_pb2.QueryChunk], *, values_only: bool
) -> Iterator[RunMatch | QueryProgress | GroupStats]:
    """The reply chunks of a query as a RunMatch per matching run (its sequences reassembled
    from their blocks, which arrive before the run's header) and QueryProgress items. Closing
    this iterator closes chunks (which cancels the call)."""
    sequences: dict[str, list[dict[str, Any]]] = {}  # per run whose header has not arrived yet
    info: Any = None
    parts: list[Any] = []
    try:
        for chunk in chunks:
            for block in chunk.sequences:
                if block.HasField("info"):
                    info, parts = block.info, []
                if block.count:
                    parts.append(block)
                if block.last:
                    sequences.setdefault(block.run_hash, []).append(
                        _matched_sequence(info, parts, values_only)
                    )
                    info, parts = None, []
            for header in chunk.runs:
                props = convert.props_from_proto(header.props)
                if header.HasField("params"):
                    props["params"] = convert.param_from_proto(header.params)
                yield RunMatch(props, sequences.pop(props["hash"], []))
            if chunk.HasField("progress"):
                yield QueryProgress(chunk.progress.done, chunk.progress.total)
            for group in chunk.groups:
                yield _group_stats(group)
    finally:
        chunks.close()  # type: ignore[attr-defined]  # chunks is a grpc call iterator, which has close()


def _group_stats(group: query_pb2.GroupStats) -> GroupStats:
    def floats(data: bytes) -> np.ndarray | None:
        return np.frombuffer(data, "<f8") if data else None

    return GroupStats(
        [json.loads(v) for v in group.values],
        list(group.run_hashes),
        group.curves,
        group.common_steps,
        np.frombuffer(group.steps, "<i8"),
        np.frombuffer(group.line, "<f8"),
        floats(group.low),
        floats(group.high),
    )


def _matched_sequence(info: Any, parts: list[Any], values_only: bool) -> dict[str, Any]:
    out = sequence_summary(info)
    out["columns"] = join_points(parts, info.dtype, values_only=values_only) if parts else None
    return out
