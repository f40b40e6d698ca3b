"""Reply messages built from storage values, shared by the servicers."""

from __future__ import annotations

from aimd.storage.blocks import Columns, SequenceMeta
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
