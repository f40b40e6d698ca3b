"""Tracking servicer: runs, props, params, and the Track stream."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc

import aimd
from aimd.errors import DaemonError, InvalidInput, StoreFailing
from aimd.ingest import batches, maintenance, objects, points, runs
from aimd.ingest.transaction import Transaction
from aimd.ingest.writer import Origin, Writer
from aimd.notify import RunHealth
from aimd.service.messages import sequence_info_message
from aimd.service.status import handles_errors, status_of
from aimd.service.watch import WatchHub
from aimd.service.wire import Malformed
from aimproto import convert
from aimproto.contract import FAILED_SEQ_KEY, MAX_CLIENT_ID_CHARS, SHA256_BYTES, STORE_ERROR_KEY
from aimproto.v1 import common_pb2, tracking_pb2, tracking_pb2_grpc

log = logging.getLogger(__name__)

MAX_INFLIGHT_BATCHES = 8  # per stream: beyond this the daemon stops reading (HTTP/2 back-pressure)
MAX_ECHOED_CHARS = 4096  # of a refused part's hash, name or context, sent back in the ack
ATTACH_GRACE_S = 30.0  # a client that opened a run must hold a Track stream within this


def _path(msg: common_pb2.ParamPath) -> list[str]:
    return list(msg.keys)


def _client_id(value: str) -> str:
    if not value or len(value) > MAX_CLIENT_ID_CHARS:
        raise InvalidInput(f"client_id must be 1..{MAX_CLIENT_ID_CHARS} chars")
    return value


@dataclass(frozen=True)
class DecodedBatch:
    series: list[points.SeriesPoints]
    blobs: list[objects.BlobPiece]
    objects: list[objects.ObjectPoints]
    refused: list[batches.Refusal]  # parts that did not decode: left out, reported in the ack


def decode_series(chunk: tracking_pb2.SeriesChunk) -> points.SeriesPoints:
    """Check and decode one SeriesChunk; InvalidInput names the problem."""
    runs.check_hash(chunk.run_hash)
    points.check_name(chunk.name)
    points.check_context(chunk.context)
    cols = points.decode_columns(
        chunk.dtype, chunk.count, chunk.steps, chunk.values, chunk.epochs, chunk.timestamps
    )
    return points.SeriesPoints(chunk.run_hash, chunk.name, chunk.context, chunk.dtype, cols)


def decode_object_series(chunk: tracking_pb2.ObjectSeries) -> objects.ObjectPoints:
    """Check and decode one ObjectSeries; InvalidInput names the problem."""
    runs.check_hash(chunk.run_hash)
    points.check_name(chunk.name)
    points.check_context(chunk.context)
    return objects.decode_objects(
        chunk.run_hash,
        chunk.name,
        chunk.context,
        chunk.dtype,
        chunk.count,
        chunk.steps,
        chunk.epochs,
        chunk.timestamps,
        list(chunk.record_counts),
        list(chunk.metas),
        chunk.shas,
    )


def decode_blob(chunk: tracking_pb2.BlobChunk) -> objects.BlobPiece:
    return objects.decode_blob(chunk.sha256, chunk.size, chunk.index, chunk.data)


def decode_batch(batch: tracking_pb2.Batch) -> DecodedBatch:
    """Check and decode every series, blob chunk and object series of a batch. A part that does
    not decode is left out as a Refusal naming the problem; only a bad seq refuses the batch."""
    if batch.seq == 0:
        raise InvalidInput("batch seq must be >= 1")
    refused: list[batches.Refusal] = []
    series = []
    for chunk in batch.series:
        try:
            series.append(decode_series(chunk))
        except DaemonError as exc:
            refused.append(_refusal(exc, chunk))
    blobs = []
    for b in batch.blobs:
        try:
            blobs.append(decode_blob(b))
        except DaemonError as exc:
            refused.append(batches.Refusal(exc, blob_sha256=b.sha256[:SHA256_BYTES]))
    object_series = []
    for chunk in batch.objects:
        try:
            object_series.append(decode_object_series(chunk))
        except DaemonError as exc:
            refused.append(_refusal(exc, chunk))
    return DecodedBatch(series, blobs, object_series, refused)


def _refusal(
    exc: DaemonError, chunk: tracking_pb2.SeriesChunk | tracking_pb2.ObjectSeries
) -> batches.Refusal:
    cut = MAX_ECHOED_CHARS  # the ack names the part as sent, within reason
    return batches.Refusal(exc, chunk.run_hash[:cut], chunk.name[:cut], chunk.context[:cut])


def ack(durable: int, refused: Sequence[batches.Refusal] = ()) -> tracking_pb2.TrackAck:
    """The TrackAck of batch durable, naming the parts of it that were refused."""
    return tracking_pb2.TrackAck(
        durable_seq=durable,
        refused=[
            tracking_pb2.RefusedPart(
                run_hash=r.run_hash,
                name=r.name,
                context=r.context,
                blob_sha256=r.blob_sha256,
                reason=str(r.error),
                code=status_of(r.error).value[0],
            )
            for r in refused
        ],
    )


class BatchRefused(Exception):
    """A batch the daemon will not apply: its seq and the reason."""

    def __init__(self, seq: int, error: DaemonError) -> None:
        super().__init__(seq, error)
        self.seq = seq
        self.error = error


class TrackingService(tracking_pb2_grpc.TrackingServicer):
    def __init__(
        self,
        writer: Writer,
        activity: Any,
        max_message_bytes: int,
        stopping: asyncio.Event,
        hub: WatchHub | None = None,
        *,
        artifacts_uri: str = "",
        health: RunHealth | None = None,
    ) -> None:
        self.hub = hub if hub is not None else WatchHub()  # who watches the runs (aimd.service.watch)
        self.writer = writer
        self.health = health or RunHealth()  # webhooks told of crashes, missed reports, finishes
        self.artifacts_uri = artifacts_uri
        self.activity = activity
        self.max_message_bytes = max_message_bytes
        self.stopping = stopping
        self._streams: Counter[str] = Counter()  # open Track streams per client
        self._opened: dict[str, float] = {}  # client -> when it last opened a run (monotonic)
        self._started = time.monotonic()
        self._orphans_swept = False

    async def sweep(self) -> None:
        """End the attachments of clients that opened a run but hold no Track stream since
        ATTACH_GRACE_S (killed before their stream opened), and once, ATTACH_GRACE_S after start,
        mark crashed the runs stored as running that no client came back to."""
        now = time.monotonic()
        gone = [c for c, t in self._opened.items() if not self._streams[c] and now - t > ATTACH_GRACE_S]
        for client_id in gone:
            del self._opened[client_id]
            self._detach_client(client_id)
        if not self._orphans_swept and now - self._started > ATTACH_GRACE_S:
            self._orphans_swept = True
            attachments = self.writer.attachments
            orphans = await self._write(lambda tx: runs.mark_orphans_crashed(tx, attachments))
            if orphans:
                log.info("%d runs no client came back to are marked crashed", len(orphans))
            for props in orphans:  # watchers (pages following the run) and webhooks hear of it
                self.hub.props_changed(props)
                self.health.ended(props)
        self.health.tick()

    async def _write(self, mutation: Callable[[Transaction], Any]) -> Any:
        return await asyncio.wrap_future(self.writer.submit(mutation))

    @handles_errors
    async def Handshake(
        self, request: tracking_pb2.HandshakeRequest, context: grpc.aio.ServicerContext
    ) -> tracking_pb2.HandshakeReply:
        if request.protocol_version != common_pb2.PROTOCOL_VERSION_CURRENT:
            raise InvalidInput(
                f"protocol version {request.protocol_version} is not supported "
                f"(this daemon speaks {common_pb2.PROTOCOL_VERSION_CURRENT}); upgrade the older side"
            )
        return tracking_pb2.HandshakeReply(
            protocol_version=common_pb2.PROTOCOL_VERSION_CURRENT,
            daemon_version=aimd.__version__,
            max_message_bytes=self.max_message_bytes,
            artifacts_uri=self.artifacts_uri,
        )

    @handles_errors
    async def OpenRun(
        self, request: tracking_pb2.OpenRunRequest, context: grpc.aio.ServicerContext
    ) -> tracking_pb2.OpenRunReply:
        attachments = self.writer.attachments
        client_id = _client_id(request.client_id)
        if not request.read_only:
            self._opened[client_id] = time.monotonic()

        def open_run(tx: Transaction) -> tuple[dict, list]:
            if request.create:
                props = runs.create(tx, request.run_hash, request.experiment, client_id, attachments)
            elif request.read_only:
                props = runs.load_props(tx, request.run_hash)
            else:
                props = runs.attach(tx, request.run_hash, request.experiment, client_id, attachments)
            return props, runs.sequences(tx, request.run_hash)

        props, seqs = await self._write(open_run)
        self.hub.props_changed(props)
        return tracking_pb2.OpenRunReply(
            props=convert.props_to_proto(props), sequences=[sequence_info_message(*s) for s in seqs]
        )

    @handles_errors
    async def SetParams(
        self, request: tracking_pb2.SetParamsRequest, context: grpc.aio.ServicerContext
    ) -> tracking_pb2.Empty:
        try:
            value = convert.param_from_proto(request.value)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        await self._write(lambda tx: runs.set_params(tx, request.run_hash, _path(request.path), value))
        return tracking_pb2.Empty()

    @handles_errors
    async def DeleteParams(
        self, request: tracking_pb2.DeleteParamsRequest, context: grpc.aio.ServicerContext
    ) -> tracking_pb2.Empty:
        await self._write(lambda tx: runs.delete_params(tx, request.run_hash, _path(request.path)))
        return tracking_pb2.Empty()

    @handles_errors
    async def SetProps(
        self, request: tracking_pb2.SetPropsRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.RunProps:
        changes = {f: getattr(request, f) for f in runs.PROP_FIELDS if request.HasField(f)}
        props = await self._write(lambda tx: runs.set_props(tx, request.run_hash, changes))
        self.hub.props_changed(props)
        return convert.props_to_proto(props)

    @handles_errors
    async def AddTag(
        self, request: tracking_pb2.TagRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.RunProps:
        props = await self._write(lambda tx: runs.add_tag(tx, request.run_hash, request.tag))
        self.hub.props_changed(props)
        return convert.props_to_proto(props)

    @handles_errors
    async def RemoveTag(
        self, request: tracking_pb2.TagRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.RunProps:
        props = await self._write(lambda tx: runs.remove_tag(tx, request.run_hash, request.tag))
        self.hub.props_changed(props)
        return convert.props_to_proto(props)

    @handles_errors
    async def CloseRun(
        self, request: tracking_pb2.CloseRunRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.RunProps:
        client_id = _client_id(request.client_id)
        attachments = self.writer.attachments
        if request.force:
            props = await self._write(lambda tx: runs.force_close(tx, request.run_hash, attachments))
        else:
            props = await self._write(
                lambda tx: runs.detach(tx, request.run_hash, client_id, attachments, finished=True)
            )
        self.hub.props_changed(props)
        self.health.ended(props)
        return convert.props_to_proto(props)

    @handles_errors
    async def DeleteRun(
        self, request: tracking_pb2.DeleteRunRequest, context: grpc.aio.ServicerContext
    ) -> tracking_pb2.Empty:
        attachments = self.writer.attachments
        await self._write(lambda tx: maintenance.delete_run(tx, request.run_hash, attachments))
        self.hub.run_deleted(request.run_hash)
        return tracking_pb2.Empty()

    @handles_errors
    async def DeleteExperiment(
        self, request: tracking_pb2.DeleteExperimentRequest, context: grpc.aio.ServicerContext
    ) -> tracking_pb2.DeleteExperimentReply:
        attachments = self.writer.attachments
        hashes = await self._write(
            lambda tx: maintenance.delete_experiment(tx, request.experiment, attachments)
        )
        for run_hash in hashes:
            self.hub.run_deleted(run_hash)
        return tracking_pb2.DeleteExperimentReply(run_hashes=hashes)

    @handles_errors
    async def Prune(
        self, request: tracking_pb2.PruneRequest, context: grpc.aio.ServicerContext
    ) -> tracking_pb2.PruneReply:
        claims = self.writer.claims
        removed = await self._write(lambda tx: maintenance.prune(tx, claims))
        return tracking_pb2.PruneReply(**removed)

    async def Track(
        self, request_iterator: AsyncIterator[tracking_pb2.TrackRequest], context: grpc.aio.ServicerContext
    ) -> None:
        """Hello -> durable seq; then each batch is applied by the writer and acknowledged in order.

        A refused batch ends the stream with the mapped status and its seq in the trailing
        metadata (FAILED_SEQ_KEY), after the batches taken in before it are acknowledged, so the
        client can drop it and replay only what follows. On shutdown the
        stream stops reading, acknowledges what it took in, and ends.
        """
        self.activity.stream_opened()
        client_id = None
        try:
            first = await anext(aiter(request_iterator), None)
            if first is None:
                return
            if isinstance(first, Malformed):
                raise first.error()
            if first.WhichOneof("kind") != "hello":
                raise InvalidInput("the first message of a Track stream must be a Hello")
            client_id = _client_id(first.hello.client_id)
            self._streams[client_id] += 1
            durable = await self._write(lambda tx: batches.durable_seq(tx, client_id))
            await context.write(tracking_pb2.TrackAck(durable_seq=durable))
            await self._pump(client_id, request_iterator, context)
        except BatchRefused as refused:
            log.info("track stream of %s: batch %d refused: %s", client_id, refused.seq, refused.error)
            context.set_trailing_metadata(((FAILED_SEQ_KEY, str(refused.seq)),))
            await context.abort(status_of(refused.error), str(refused.error))
        except StoreFailing as exc:
            context.set_trailing_metadata(((STORE_ERROR_KEY, exc.errno_name or "unknown"),))
            await context.abort(status_of(exc), str(exc))
        except DaemonError as exc:
            log.info("track stream of %s ended: %s", client_id, exc)
            await context.abort(status_of(exc), str(exc))
        finally:
            self.activity.stream_closed()
            if client_id is not None:
                self._streams[client_id] -= 1
                if not self._streams[client_id]:
                    del self._streams[client_id]
                    self._opened.pop(client_id, None)
                    self._detach_client(client_id)

    async def _pump(
        self,
        client_id: str,
        request_iterator: AsyncIterator[tracking_pb2.TrackRequest],
        context: grpc.aio.ServicerContext,
    ) -> None:
        acks: asyncio.Queue = asyncio.Queue()
        inflight = asyncio.Semaphore(MAX_INFLIGHT_BATCHES)
        origin = Origin()
        attachments, claims = self.writer.attachments, self.writer.claims

        async def read() -> None:
            async for request in request_iterator:
                self.activity.touch()
                if isinstance(request, Malformed):  # no seq to name: the stream just ends
                    raise request.error()
                seq = request.batch.seq
                try:
                    if request.WhichOneof("kind") != "batch":
                        raise InvalidInput("only Batch messages may follow the Hello")
                    decoded = decode_batch(request.batch)
                except DaemonError as exc:
                    raise BatchRefused(seq, exc) from None
                await inflight.acquire()
                if self.writer.failure is not None:  # take in nothing that cannot be written
                    raise self.writer.failure
                future = self.writer.submit(
                    lambda tx, d=decoded, q=seq: batches.apply_batch(  # type: ignore[misc]  # mypy cannot infer a lambda with bound defaults
                        tx,
                        client_id,
                        q,
                        d.series,
                        attachments,
                        blobs=d.blobs,
                        object_series=d.objects,
                        refused=d.refused,
                        claims=claims,
                    ),
                    bulk=True,
                    origin=origin,
                )
                acks.put_nowait((seq, asyncio.wrap_future(future), decoded))

        async def acknowledge() -> None:
            while (item := await acks.get()) is not None:
                seq, future, decoded = item
                try:
                    durable, refused = await future
                except StoreFailing:
                    raise  # not the batch's fault: the client keeps it and replays it
                except DaemonError as exc:
                    raise BatchRefused(seq, exc) from None
                finally:
                    inflight.release()
                for part in refused:
                    log.info("track stream of %s: batch %d: refused %s", client_id, seq, part)
                await context.write(ack(durable, refused))
                self.hub.batch_durable(decoded.series, decoded.objects)  # live updates (service/watch)

        reader = asyncio.ensure_future(read())
        acker = asyncio.ensure_future(acknowledge())
        stopping = asyncio.ensure_future(self.stopping.wait())
        try:
            done, _ = await asyncio.wait({reader, acker, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if acker in done:
                acker.result()  # it only ends early by failing
            refused = None
            if reader in done:
                refused = reader.exception()  # None when the client half-closed its side
            else:
                reader.cancel()  # shutting down: take no more batches
            acks.put_nowait(None)
            # Acknowledge every batch taken in before the stream ends, even when it ends on a
            # refused batch: the client then replays only what follows it. A batch taken in
            # earlier and refused by the writer ends the stream first (the lower seq).
            await acker
            if refused is not None:
                raise refused
        finally:
            for task in (reader, acker, stopping):
                task.cancel()

    @handles_errors
    async def ReportProgress(
        self, request: tracking_pb2.ReportProgressRequest, context: grpc.aio.ServicerContext
    ) -> tracking_pb2.Empty:
        expect = request.expect_next_in_s
        if not 0 <= expect < float("inf"):
            raise InvalidInput(f"expect_next_in must be a number of seconds >= 0, not {expect}")
        props = await self._write(lambda tx: runs.load_props(tx, request.run_hash))
        self.health.reported(props, expect, request.finished)
        return tracking_pb2.Empty()

    def _detach_client(self, client_id: str) -> None:
        """A client whose stream ended no longer holds its runs open (it re-attaches if it returns);
        a run it held last is crashed. Queued in the bulk lane, behind the batches it sent before its
        stream ended, which would otherwise re-attach it after the detach."""
        attachments, claims = self.writer.attachments, self.writer.claims

        def detach_all(tx: Transaction) -> list[dict]:
            claims.release(client_id)  # it forgets what it sent when it opens its next stream
            return [
                runs.detach(tx, run_hash, client_id, attachments, finished=False)
                for run_hash in attachments.runs_of(client_id)
            ]

        detached = asyncio.wrap_future(self.writer.submit(detach_all, bulk=True))
        detached.add_done_callback(self._detached)

    def _detached(self, done: asyncio.Future) -> None:
        """Watchers and webhooks hear of the runs a client left (crashed, when it held them last)."""
        if not done.cancelled() and done.exception() is None:
            for props in done.result():
                self.hub.props_changed(props)
                self.health.ended(props)
