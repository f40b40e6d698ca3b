"""Reply messages built from storage values, shared by the servicers."""

from __future__ import annotations

import numpy as np

from aimd.storage.blocks import Columns, SequenceMeta
from aimd.storage.reader import ObjectPoint
from aimproto.v1 import common_pb2, reading_pb2


def sequence_info(name: str, context: str, meta: SequenceMeta) -> common_pb2.SequenceInfo:
    return common_pb2.SequenceInfo(
        name=name,
        context=context,
        dtype=meta.dtype,
        count=meta.count,
        first_step=meta.first_step,
        last_step=meta.last_step,
        first_value=meta.first_value,
        last_value=meta.last_value,
        min_value=meta.min_value,
        max_value=meta.max_value,
    )


def points_chunk(dtype: int, cols: Columns) -> reading_pb2.PointsChunk:
    values_dtype = "<f8" if dtype == common_pb2.DTYPE_FLOAT else "<i8"
    return reading_pb2.PointsChunk(
        dtype=dtype,
        count=len(cols),
        steps=cols.steps.astype("<i8", copy=False).tobytes(),
        values=cols.values.astype(values_dtype, copy=False).tobytes(),
        epochs=cols.epochs.tobytes(),
        timestamps=cols.timestamps.tobytes(),
    )


def objects_chunk(dtype: int, points: list[ObjectPoint]) -> reading_pb2.ObjectsChunk:
    records = [record for point in points for record in point.records]
    return reading_pb2.ObjectsChunk(
        dtype=dtype,
        count=len(points),
        steps=np.array([p.step for p in points], "<i8").tobytes(),
        epochs=np.array([p.epoch for p in points], "<f8").tobytes(),
        timestamps=np.array([p.timestamp for p in points], "<f8").tobytes(),
        record_counts=[len(p.records) for p in points],
        metas=[r.meta.decode() for r in records],
        shas=b"".join(r.sha256 for r in records),
    )
