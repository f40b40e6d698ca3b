"""Query servicer: request -> engine (on the query pool) -> bounded chunks; honours cancellation."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Any

import grpc
import numpy as np

from aimd.config import DEFAULT_QUERY_IDLE_TIMEOUT_S, MAX_QUERY_TIMEOUT_S
from aimd.errors import DaemonError, InvalidInput
from aimd.query import BudgetExceeded, QueryError, QuerySyntaxError, aggregate, downsample, group_cache
from aimd.query.budget import Gate
from aimd.query.engine import Engine, Progress, QuerySpec, RunMatch, SequenceMatch
from aimd.service.messages import point_columns, sequence_info_message
from aimd.service.status import abort
from aimd.service.wire import Malformed
from aimd.storage.blocks import Columns
from aimd.storage.reader import Reader
from aimproto import convert
from aimproto.contract import QUERY_ERROR_KEY  # trailing metadata: "syntax <line> <offset>" or "budget"
from aimproto.v1 import query_pb2, query_pb2_grpc

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20  # no chunk holds more than this (a long sequence is split to fit)
FLUSH_BYTES = 256 << 10  # a chunk is sent once it holds this much: the client works meanwhile
POINT_BYTES = 32  # step, value, epoch, timestamp: 8 bytes each
RUN_HEADER_BYTES = 256  # an estimate, for chunk sizing


def query_spec(request: query_pb2.QueryRequest, default_timeout_s: float) -> QuerySpec:
    if not 0 <= request.timeout_s <= MAX_QUERY_TIMEOUT_S:
        raise InvalidInput(f"timeout_s must be between 0 and {MAX_QUERY_TIMEOUT_S:g}")
    if 0 < request.max_points < downsample.MIN_POINTS:
        raise InvalidInput(f"max_points must be 0 (every point) or at least {downsample.MIN_POINTS}")
    if request.HasField("aggregate"):  # every point of every curve is read, the params to group by
        if request.sequence_type != "metric":
            raise InvalidInput("aggregate is a mode of metric queries (sequence_type 'metric')")
        request.with_points, request.with_params, request.max_points = True, True, 0
        request.values_only = True
    return QuerySpec(
        text=request.query,
        sequence_type=request.sequence_type or None,
        run_hash=request.run_hash or None,
        with_points=request.with_points,
        with_params=request.with_params,
        offset=request.offset or None,
        limit=request.limit,
        timeout_s=request.timeout_s or default_timeout_s,
        include_archived=request.include_archived,
        values_only=request.values_only,
        max_points=request.max_points,
    )


class ChunkPacker:
    """Packs matches into QueryChunks of about CHUNK_BYTES, splitting long sequences."""

    def __init__(self, values_only: bool = False) -> None:
        self.chunk = query_pb2.QueryChunk()
        self.size = 0
        self.values_only = values_only
        self.point_bytes = POINT_BYTES // 2 if values_only else POINT_BYTES

    def take(self) -> query_pb2.QueryChunk | None:
        if not self.size:
            return None
        chunk, self.chunk, self.size = self.chunk, query_pb2.QueryChunk(), 0
        return chunk

    def add(self, match: RunMatch | SequenceMatch | Progress) -> Iterator[query_pb2.QueryChunk]:
        """Add a match; yields every chunk that became full."""
        if isinstance(match, Progress):
            self.chunk.progress.done, self.chunk.progress.total = match.done, match.total
            self.size += 1
            yield self.take()  # type: ignore[misc]  # take() gives a chunk: it holds this match
        elif isinstance(match, RunMatch):
            header = self.chunk.runs.add(props=convert.props_to_proto(match.props))
            if match.params is not None:
                header.params.CopyFrom(convert.param_to_proto(match.params))
            self.size += RUN_HEADER_BYTES
            if self.size >= FLUSH_BYTES:
                yield self.take()  # type: ignore[misc]  # take() gives a chunk when the packer is full
        else:
            yield from self._add_sequence(match)

    def _add_sequence(self, match: SequenceMatch) -> Iterator[query_pb2.QueryChunk]:
        info = sequence_info_message(match.name, match.context, match.meta)
        first = True
        blocks = iter(match.blocks or ())  # no blocks: metadata only
        cols = next(blocks, None)
        while cols is not None:  # one stored block at a time, so memory stays bounded
            following = next(blocks, None)
            for block in self._slices(match, cols, last=following is None):
                if first:
                    block.info.CopyFrom(info)
                    first = False
                if self.size >= FLUSH_BYTES:
                    yield self.take()  # type: ignore[misc]  # take() gives a chunk when the packer is full
            cols = following
        if first:  # metadata only, or a sequence without points
            self.chunk.sequences.add(run_hash=match.run_hash, info=info, last=True)
            self.size += RUN_HEADER_BYTES
            if self.size >= FLUSH_BYTES:
                yield self.take()  # type: ignore[misc]  # take() gives a chunk when the packer is full

    def _slices(
        self, match: SequenceMatch, cols: Columns, *, last: bool
    ) -> Iterator[query_pb2.SequenceBlock]:
        """SequenceBlocks of cols added to the chunk, each fitting in what the chunk has left (the
        caller takes the chunk between them once it holds FLUSH_BYTES)."""
        start, total = 0, len(cols)
        while start < total:
            room = max((CHUNK_BYTES - self.size) // self.point_bytes, 1)
            part = cols.slice(start, start + room)
            start += len(part)
            block = self.chunk.sequences.add(
                run_hash=match.run_hash,
                count=len(part),
                last=last and start >= total,
                **point_columns(match.meta.dtype, part, values_only=self.values_only),
            )
            self.size += RUN_HEADER_BYTES + len(part) * self.point_bytes
            yield block  # the caller takes the chunk when it is full enough


def query_chunks(engine: Engine) -> Iterator[query_pb2.QueryChunk]:
    """The whole reply of a query as chunks (runs on a query thread: evaluation is CPU work)."""
    packer = ChunkPacker(engine.spec.values_only)
    sent = False
    for match in engine:
        for chunk in packer.add(match):
            sent = True
            yield chunk
        if not sent and isinstance(match, RunMatch):
            sent = True  # the first result goes out at once, not when a chunk is full
            if (first := packer.take()) is not None:
                yield first
    if (last := packer.take()) is not None:
        yield last


def aggregate_spec(request: query_pb2.QueryRequest) -> aggregate.Spec | None:
    if not request.HasField("aggregate"):
        return None
    agg = request.aggregate
    return aggregate.Spec(list(agg.group_by), agg.line, agg.band, agg.max_points)


def aggregate_chunks(engine: Engine, spec: aggregate.Spec) -> Iterator[query_pb2.QueryChunk]:
    """The reply of an aggregate query: each matching run's header (with its params) as it is
    evaluated, then the statistics of every group (aimd.query.aggregate)."""
    packer = ChunkPacker()
    reducer = aggregate.Aggregator(spec)
    pending: list[tuple[str, dict, Any, Any]] = []  # the current run's curves: its header comes last
    for match in engine:
        if isinstance(match, SequenceMatch):
            parts = list(match.blocks or ())
            if parts and sum(map(len, parts)):  # steps and values only: epochs and times are not used
                steps = np.concatenate([part.steps for part in parts])
                values = np.concatenate([part.values for part in parts])
                pending.append((match.name, _context(match.context), steps, values))
            continue
        if isinstance(match, RunMatch):
            for name, context, steps, values in pending:
                reducer.add(match.props, match.params, name, context, steps, values)
            pending = []
        yield from packer.add(match)
    for result in reducer.results():
        group = packer.chunk.groups.add(
            values=list(result.values),
            run_hashes=result.run_hashes,
            curves=result.curves,
            common_steps=result.common_steps,
            steps=result.steps.astype("<i8").tobytes(),
            line=result.line.astype("<f8").tobytes(),
        )
        if result.low is not None and result.high is not None:
            group.low, group.high = result.low.astype("<f8").tobytes(), result.high.astype("<f8").tobytes()
        packer.size += RUN_HEADER_BYTES + 24 * len(result.steps) + 64 * len(result.run_hashes)
        if packer.size >= FLUSH_BYTES and (chunk := packer.take()) is not None:
            yield chunk
    if (chunk := packer.take()) is not None:
        yield chunk


def cache_key(request: query_pb2.QueryRequest) -> bytes:
    """What an aggregate query's reply depends on besides the store: the request, less its time budget."""
    keyed = query_pb2.QueryRequest()
    keyed.CopyFrom(request)
    keyed.ClearField("timeout_s")
    return keyed.SerializeToString(deterministic=True)


def _context(canonical: str) -> dict:
    return json.loads(canonical) if canonical else {}


class QueryService(query_pb2_grpc.QueryServicer):
    def __init__(
        self,
        reader: Reader,
        executor: Executor,
        activity: Any,
        default_timeout_s: float,
        idle_timeout_s: float = DEFAULT_QUERY_IDLE_TIMEOUT_S,
        groups: group_cache.GroupCache | None = None,
    ) -> None:
        self.reader = reader
        self.groups = groups  # aggregate replies kept for the same view opened again
        self.executor = executor
        self.activity = activity
        self.default_timeout_s = default_timeout_s
        self.idle_timeout_s = idle_timeout_s
        self.gate = Gate()  # long queries take turns (aimd.query.budget.Gate)

    async def Query(
        self, request: query_pb2.QueryRequest, context: grpc.aio.ServicerContext
    ) -> None:  # streams through context.write
        self.activity.touch()
        loop = asyncio.get_running_loop()
        chunks: Iterator[query_pb2.QueryChunk] | None = None
        engine: Engine | None = None
        pending: asyncio.Future | None = None
        cancelled = threading.Event()
        idle = threading.Event()  # set when the idle watchdog ended the call
        context.add_done_callback(lambda _: cancelled.set())  # a cancelled call stops the engine
        try:
            if isinstance(request, Malformed):
                raise request.error()
            grouping = aggregate_spec(request)
            spec = query_spec(request, self.default_timeout_s)
            groups = self.groups if grouping is not None and group_cache.cacheable(spec.text) else None
            key = cache_key(request) if groups is not None else b""
            kept = (
                None
                if groups is None
                else await loop.run_in_executor(self.executor, groups.get, key, self.reader)
            )
            if kept is not None:
                chunks = (chunk for chunk in kept)  # the same view again: no point is read
            else:
                engine = await loop.run_in_executor(
                    self.executor,
                    functools.partial(
                        Engine,
                        self.reader,
                        spec,
                        report_progress=request.report_progress,
                        cancelled=cancelled,
                        gate=self.gate,
                    ),
                )  # compiles the query: CPU work too
                # its budget counts the expression's evaluation only
                chunks = query_chunks(engine) if grouping is None else aggregate_chunks(engine, grouping)
                if groups is not None:
                    chunks = groups.recording(key, engine.reader, chunks)
            while True:
                pending = loop.run_in_executor(self.executor, next, chunks, None)
                chunk = await pending
                if chunk is None:
                    break
                # a client that reads nothing for idle_timeout_s has its stream ended
                watchdog = loop.call_later(self.idle_timeout_s, self._end_idle, asyncio.current_task(), idle)
                try:
                    await context.write(chunk)
                finally:
                    watchdog.cancel()
                self.activity.touch()
        except QuerySyntaxError as exc:
            context.set_trailing_metadata(((QUERY_ERROR_KEY, f"syntax {exc.lineno or 0} {exc.offset or 0}"),))
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except BudgetExceeded as exc:
            context.set_trailing_metadata(((QUERY_ERROR_KEY, "budget"),))
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
        except QueryError as exc:
            context.set_trailing_metadata(((QUERY_ERROR_KEY, "query"),))
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except DaemonError as exc:
            await abort(context, exc)
        except asyncio.CancelledError:  # the client cancelled, went away, or stopped reading
            why = f"its client read nothing for {self.idle_timeout_s:g} s" if idle.is_set() else "cancelled"
            if engine is not None:
                log.info("query %r %s after %d of %d runs", spec.text[:80], why, engine.done, engine.total)
            raise
        finally:
            cancelled.set()
            if chunks is not None:
                self._close_later(chunks, pending)

    @staticmethod
    def _end_idle(task: asyncio.Task | None, idle: threading.Event) -> None:
        idle.set()
        if task is not None:
            task.cancel()

    def _close_later(self, chunks: Any, pending: asyncio.Future | None) -> None:
        """Stop a query's evaluation (a cancelled call ends it at the next chunk boundary), once
        the thread computing its current chunk, if any, is done. (An evaluation gives up its turn
        at the gate as it ends: Budget.evaluating.)"""
        loop = asyncio.get_running_loop()
        if pending is None or pending.done():
            loop.run_in_executor(self.executor, chunks.close)
        else:
            pending.add_done_callback(lambda _: loop.run_in_executor(self.executor, chunks.close))
