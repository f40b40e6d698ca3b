"""Reading servicer: runs, params, sequence metadata and points, read off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor
from typing import Any

import grpc

from aimd.errors import InvalidInput, NotFound
from aimd.ingest.runs import check_hash, check_path
from aimd.service.messages import objects_chunk, points_chunk, sequence_info_message
from aimd.service.status import handles_errors
from aimd.storage.blocks import DTYPE_NAMES, NUMPY_DTYPE, Columns
from aimd.storage.reader import MISSING, ObjectPoint, Reader
from aimproto import convert
from aimproto.contract import SHA256_BYTES
from aimproto.v1 import common_pb2, reading_pb2, reading_pb2_grpc

CHUNK_POINTS = 32768  # points per PointsChunk: 32 bytes each, so about 1 MiB a chunk
CHUNK_OBJECT_BYTES = 2**20  # about this many bytes of records per ObjectsChunk (at least one point)
MAX_BLOBS_PER_REQUEST = 65536


def _next_points(blocks: Iterator[Columns]) -> Columns | None:
    """The next CHUNK_POINTS points (or fewer, at the end) of a sequence's blocks; None at the end."""
    parts, count = [], 0
    for cols in blocks:
        parts.append(cols)
        count += len(cols)
        if count >= CHUNK_POINTS:
            break
    return Columns.concat(parts) if parts else None


class ReadingService(reading_pb2_grpc.ReadingServicer):
    def __init__(
        self,
        reader: Reader,
        executor: Executor,
        activity: Any,
        stats: Callable[[], reading_pb2.DaemonStats] | None = None,
    ) -> None:
        self.reader = reader
        self.executor = executor
        self.activity = activity
        self.stats = stats  # aimd.service.stats

    @handles_errors
    async def GetDaemonStats(
        self, request: reading_pb2.DaemonStatsRequest, context: grpc.aio.ServicerContext
    ) -> reading_pb2.DaemonStats:
        if self.stats is None:
            return reading_pb2.DaemonStats()
        return await self._read(self.stats)

    async def _read(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def _props(self, run_hash: str) -> dict:
        check_hash(run_hash)
        props = await self._read(self.reader.run, run_hash)
        if props is None:
            raise NotFound(f"run {run_hash!r} does not exist")
        return props

    @handles_errors
    async def GetRun(
        self, request: reading_pb2.RunRef, context: grpc.aio.ServicerContext
    ) -> common_pb2.RunProps:
        return convert.props_to_proto(await self._props(request.run_hash))

    async def ListRuns(
        self, request: reading_pb2.ListRunsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[common_pb2.RunProps]:
        self.activity.touch()
        all_props = await self._read(lambda: list(self.reader.runs()))
        all_props.sort(key=lambda p: p["creation_time"])
        for props in all_props:
            yield convert.props_to_proto(props)

    @handles_errors
    async def GetParams(
        self, request: reading_pb2.GetParamsRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.ParamValue:
        await self._props(request.run_hash)
        path = list(request.path.keys)
        check_path(path)  # a NUL inside a key would read another path
        value = await self._read(self.reader.params, request.run_hash, path)
        if value is MISSING:
            raise NotFound(f"run {request.run_hash!r} has no param {'.'.join(path)!r}")
        try:
            return convert.param_to_proto(value)
        except TypeError as exc:
            raise InvalidInput(str(exc)) from None

    @handles_errors
    async def ListSequences(
        self, request: reading_pb2.RunRef, context: grpc.aio.ServicerContext
    ) -> reading_pb2.ListSequencesReply:
        await self._props(request.run_hash)
        seqs = await self._read(self.reader.sequences, request.run_hash)
        return reading_pb2.ListSequencesReply(sequences=[sequence_info_message(*s) for s in seqs])

    @handles_errors
    async def ReadSequence(
        self, request: reading_pb2.ReadSequenceRequest, context: grpc.aio.ServicerContext
    ) -> None:  # streams through context.write
        await self._props(request.run_hash)
        reader = self.reader.snapshot()  # one consistent view, read a chunk at a time
        meta = await self._read(reader.sequence, request.run_hash, request.name, request.context)
        if meta is None:
            raise NotFound(f"run {request.run_hash!r} has no sequence {request.name!r} {request.context}")
        if meta.dtype not in NUMPY_DTYPE:
            holds = DTYPE_NAMES.get(meta.dtype, meta.dtype)
            raise InvalidInput(
                f"sequence {request.name!r} {request.context} holds {holds}: read it with ReadObjects"
            )
        blocks = reader.point_blocks(request.run_hash, request.name, request.context)
        sent = False
        while (cols := await self._read(_next_points, blocks)) is not None:
            await context.write(points_chunk(meta.dtype, cols))
            sent = True
        if not sent:  # a stream always says the dtype
            await context.write(points_chunk(meta.dtype, Columns.empty(meta.dtype)))

    @handles_errors
    async def ReadObjects(
        self, request: reading_pb2.ReadSequenceRequest, context: grpc.aio.ServicerContext
    ) -> None:  # streams through context.write
        await self._props(request.run_hash)
        found = await self._read(self.reader.objects, request.run_hash, request.name, request.context)
        if found is None:
            raise NotFound(f"run {request.run_hash!r} has no sequence {request.name!r} {request.context}")
        meta, points = found
        if meta.dtype in NUMPY_DTYPE:
            raise InvalidInput(
                f"sequence {request.name!r} {request.context} holds {DTYPE_NAMES[meta.dtype]}: "
                "read it with ReadSequence"
            )
        for part in _bounded(points):
            await context.write(objects_chunk(meta.dtype, part))

    @handles_errors
    async def GetBlobs(
        self, request: reading_pb2.GetBlobsRequest, context: grpc.aio.ServicerContext
    ) -> None:  # streams through context.write
        shas = list(request.sha256)
        if len(shas) > MAX_BLOBS_PER_REQUEST:
            raise InvalidInput(f"at most {MAX_BLOBS_PER_REQUEST} blobs per request")
        for sha in shas:
            if len(sha) != SHA256_BYTES:
                raise InvalidInput(f"a blob's sha256 must be {SHA256_BYTES} bytes, not {len(sha)}")
        for index, sha in enumerate(shas):
            found = await self._read(self.reader.blob_chunks, sha)
            if found is None:
                raise NotFound(f"blob {sha.hex()} is not stored")
            size, chunks = found
            while (data := await self._read(next, chunks, None)) is not None:
                await context.write(reading_pb2.BlobPart(blob=index, size=size, data=data))


def _bounded(points: list[ObjectPoint]) -> list[list[ObjectPoint]]:
    """points split into runs of at most CHUNK_POINTS points and about CHUNK_OBJECT_BYTES bytes
    (one point always fits, whatever its size: a record's meta is bounded when it is written)."""
    parts: list[list[ObjectPoint]] = [[]]
    size = 0
    for point in points:
        cost = 24 + sum(36 + len(r.meta) for r in point.records)
        if parts[-1] and (size + cost > CHUNK_OBJECT_BYTES or len(parts[-1]) >= CHUNK_POINTS):
            parts.append([])
            size = 0
        parts[-1].append(point)
        size += cost
    return parts
