"""Transfer servicer: ImportRun, a whole run received as a stream and written in one piece."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc

from aimd.errors import DaemonError, InvalidInput
from aimd.ingest import imports, objects
from aimd.ingest.writer import Writer
from aimd.service.status import abort
from aimd.service.tracking import decode_blob, decode_object_series, decode_series
from aimd.service.wire import Malformed
from aimproto import convert
from aimproto.v1 import common_pb2, transfer_pb2, transfer_pb2_grpc

log = logging.getLogger(__name__)

BLOB_WRITE_BYTES = 8 * 1024 * 1024  # blob chunks are written in mutations of about this size


def _start(msg: transfer_pb2.ImportStart) -> imports.GatheredRun:
    props = convert.props_from_proto(msg.props)
    params = None
    if msg.HasField("params"):
        try:
            params = convert.param_from_proto(msg.params)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        if not isinstance(params, dict):
            raise InvalidInput("an imported run's params must be a dict")
    return imports.GatheredRun(props, params)


class TransferService(transfer_pb2_grpc.TransferServicer):
    def __init__(self, writer: Writer, activity: Any) -> None:
        self.writer = writer
        self.activity = activity

    async def _write(self, mutation: Callable[..., Any]) -> Any:
        return await asyncio.wrap_future(self.writer.submit(mutation))

    async def ImportRun(
        self, request_iterator: AsyncIterator[transfer_pb2.ImportPart], context: grpc.aio.ServicerContext
    ) -> common_pb2.RunProps:
        """Gather a run's parts (storing its blobs as they come), then stage it whole on the commit."""
        self.activity.stream_opened()
        try:
            props = await self._import(request_iterator)
            log.info("imported run %s", props["hash"])
            return convert.props_to_proto(props)
        except DaemonError as exc:
            await abort(context, exc)
        finally:
            self.activity.stream_closed()

    async def _import(self, request_iterator: AsyncIterator[transfer_pb2.ImportPart]) -> dict:
        run: imports.GatheredRun | None = None
        blobs: list[objects.BlobPiece] = []
        pending = 0
        async for part in request_iterator:
            self.activity.touch()
            if isinstance(part, Malformed):
                raise part.error()
            kind = part.WhichOneof("kind")
            if kind == "start":
                if run is not None:
                    raise InvalidInput("an import stream carries one run: a second ImportStart came")
                run = _start(part.start)
                continue
            if run is None:
                raise InvalidInput("an import stream must begin with an ImportStart")
            if kind == "blob":
                blobs.append(decode_blob(part.blob))
                pending += len(part.blob.data)
                if pending >= BLOB_WRITE_BYTES:
                    await self._store_blobs(blobs)
                    blobs, pending = [], 0
            elif kind == "series":
                run.add_series(decode_series(part.series))
            elif kind == "objects":
                await self._store_blobs(blobs)  # its points may name them
                blobs, pending = [], 0
                run.add_objects(decode_object_series(part.objects))
            elif kind == "commit":
                run.check_counts(part.commit.series, part.commit.points)
                await self._store_blobs(blobs)
                return await self._write(lambda tx, gathered=run: imports.stage(tx, gathered))
            else:
                raise InvalidInput("an empty ImportPart")
        raise InvalidInput("the import stream ended before its ImportCommit: nothing was imported")

    async def _store_blobs(self, blobs: list[objects.BlobPiece]) -> None:
        if blobs:

            def put(tx: Any) -> None:
                for piece in blobs:
                    objects.put_blob_chunk(tx, piece)

            await self._write(put)
