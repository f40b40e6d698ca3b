"""Reply messages built from storage values, shared by the servicers."""

from __future__ import annotations

import numpy as np

from aimd.storage.blocks import NUMPY_DTYPE, Columns, SequenceMeta
from aimd.storage.reader import ObjectPoint
from aimproto.v1 import common_pb2, reading_pb2


def sequence_info_message(name: str, context: str, meta: SequenceMeta) -> common_pb2.SequenceInfo:
    return common_pb2.SequenceInfo(
        name=name,
        context=context,
        dtype=meta.dtype,  # type: ignore[arg-type]  # a DType code as int: the stubs want the enum
        count=meta.count,
        first_step=meta.first_step,
        last_step=meta.last_step,
        first_value=meta.first_value,
        last_value=meta.last_value,
        min_value=meta.min_value,
        max_value=meta.max_value,
    )


def point_columns(dtype: int, cols: Columns, *, values_only: bool = False) -> dict[str, bytes]:
    """Points as the wire packs them: little-endian int64 steps, values of the sequence's dtype
    (a block stored before its sequence turned float holds ints: they are converted here), and,
    unless values_only, float64 epochs and timestamps."""
    packed = {
        "steps": cols.steps.astype("<i8", copy=False).tobytes(),
        "values": cols.values.astype(NUMPY_DTYPE[dtype], copy=False).tobytes(),
    }
    if not values_only:
        packed["epochs"] = cols.epochs.astype("<f8", copy=False).tobytes()
        packed["timestamps"] = cols.timestamps.astype("<f8", copy=False).tobytes()
    return packed


def points_chunk(dtype: int, cols: Columns) -> reading_pb2.PointsChunk:
    return reading_pb2.PointsChunk(dtype=dtype, count=len(cols), **point_columns(dtype, cols))  # type: ignore[arg-type]  # a DType code as int: the stubs want the enum


def objects_chunk(dtype: int, points: list[ObjectPoint]) -> reading_pb2.ObjectsChunk:
    records = [record for point in points for record in point.records]
    return reading_pb2.ObjectsChunk(
        dtype=dtype,  # type: ignore[arg-type]  # a DType code as int: the stubs want the enum
        count=len(points),
        steps=np.array([p.step for p in points], "<i8").tobytes(),
        epochs=np.array([p.epoch for p in points], "<f8").tobytes(),
        timestamps=np.array([p.timestamp for p in points], "<f8").tobytes(),
        record_counts=[len(p.records) for p in points],
        metas=[r.meta.decode() for r in records],
        shas=b"".join(r.sha256 for r in records),
    )
