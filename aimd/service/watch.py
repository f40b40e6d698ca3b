"""Watch servicer and its hub: what changes in runs, pushed to watchers as it becomes durable.

The Tracking service tells the hub about each batch once the writer has acknowledged it (and
about props changes and deletions); the hub turns it into one WatchEvent per run and puts it in
the buffer of every watcher of that run. Everything runs on the event loop. A buffer holds at most
WATCH_BUFFER events: a watcher that falls that far behind gets a notice and its stream ends, so
a slow reader never makes the daemon hold more, and never slows a writer (publishing never waits).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterable
from typing import Any

import grpc

from aimd.ingest import runs
from aimd.ingest.writer import Writer
from aimd.service.status import handles_errors
from aimproto import convert
from aimproto.v1 import watch_pb2, watch_pb2_grpc

log = logging.getLogger(__name__)

WATCH_BUFFER = 1024  # events a watcher may have waiting
MAX_WATCH_POINTS = 1000  # newest points of a sequence one event carries
HEARTBEAT_S = 2.0  # an event at least this often (the relay in `aim up` sees a gone browser)
FELL_BEHIND = "fell behind: more changes came than this watcher read; reload and watch again"


class Watcher:
    def __init__(self, run_hashes: frozenset[str]) -> None:
        self.runs = set(run_hashes)  # empty: every run
        self.queue: asyncio.Queue[watch_pb2.WatchEvent] = asyncio.Queue()
        self.ended = False

    def wants(self, run_hash: str) -> bool:
        return not self.runs or run_hash in self.runs

    def put(self, event: watch_pb2.WatchEvent) -> None:
        if self.ended:
            return
        if self.queue.qsize() >= WATCH_BUFFER:
            self.end(FELL_BEHIND)
            return
        self.queue.put_nowait(event)

    def end(self, notice: str, run_hash: str = "", *, drop: bool = True) -> None:
        if drop:  # what it did not read is dropped: the notice comes next
            while not self.queue.empty():
                self.queue.get_nowait()
        self.queue.put_nowait(watch_pb2.WatchEvent(run_hash=run_hash, notice=notice))
        self.ended = True


class WatchHub:
    """The watchers, and the events the Tracking service publishes to them."""

    def __init__(self) -> None:
        self.watchers: set[Watcher] = set()

    def __bool__(self) -> bool:
        return bool(self.watchers)

    def _publish(self, run_hash: str, event: watch_pb2.WatchEvent) -> None:
        for watcher in list(self.watchers):
            if watcher.wants(run_hash):
                watcher.put(event)

    def batch_durable(self, series: Iterable[Any], objects: Iterable[Any]) -> None:
        """The points of a batch the writer made durable: one event per run."""
        if not self.watchers:
            return
        updates: dict[str, list[watch_pb2.SeriesUpdate]] = {}
        for s in series:
            cols, n = s.cols, len(s.cols)
            cut = slice(max(0, n - MAX_WATCH_POINTS), n)
            updates.setdefault(s.run_hash, []).append(
                watch_pb2.SeriesUpdate(
                    name=s.name,
                    context=s.context,
                    dtype=s.dtype,
                    steps=cols.steps[cut].tolist(),
                    values=cols.values[cut].astype(float).tolist(),
                    epochs=cols.epochs[cut].tolist(),
                    timestamps=cols.timestamps[cut].tolist(),
                    count=n,
                )
            )
        for o in objects:
            steps = list(o.steps)[-MAX_WATCH_POINTS:]
            update = watch_pb2.SeriesUpdate(
                name=o.name, context=o.context, dtype=o.dtype, steps=steps, count=len(o.steps)
            )
            updates.setdefault(o.run_hash, []).append(update)
        for run_hash, parts in updates.items():
            self._publish(run_hash, watch_pb2.WatchEvent(run_hash=run_hash, series=parts))

    def props_changed(self, props: dict[str, Any]) -> None:
        if self.watchers:
            run_hash = props["hash"]
            self._publish(
                run_hash, watch_pb2.WatchEvent(run_hash=run_hash, props=convert.props_to_proto(props))
            )

    def run_deleted(self, run_hash: str) -> None:
        """Watchers of the run hear it; one that watched only deleted runs ends with a notice."""
        for watcher in list(self.watchers):
            if not watcher.wants(run_hash):
                continue
            watcher.put(watch_pb2.WatchEvent(run_hash=run_hash, deleted=True))
            if watcher.runs:
                watcher.runs.discard(run_hash)
                if not watcher.runs and not watcher.ended:
                    watcher.end(f"run {run_hash} was deleted", run_hash, drop=False)


class WatchService(watch_pb2_grpc.WatchServicer):
    def __init__(self, hub: WatchHub, writer: Writer, activity: Any, stopping: asyncio.Event) -> None:
        self.hub = hub
        self.writer = writer
        self.activity = activity
        self.stopping = stopping

    @handles_errors
    async def Watch(
        self, request: watch_pb2.WatchRequest, context: grpc.aio.ServicerContext
    ) -> None:  # writes its events with context.write
        hashes = frozenset(request.run_hashes)
        for run_hash in hashes:  # a run that is not there: NOT_FOUND at once
            await asyncio.wrap_future(
                self.writer.submit(functools.partial(runs.load_props, run_hash=run_hash))
            )
        watcher = Watcher(hashes)
        self.hub.watchers.add(watcher)
        stopping = asyncio.ensure_future(self.stopping.wait())
        try:
            while True:
                getting = asyncio.ensure_future(watcher.queue.get())
                done, _ = await asyncio.wait(
                    {getting, stopping}, timeout=HEARTBEAT_S, return_when=asyncio.FIRST_COMPLETED
                )
                if stopping in done:  # the stream just ends: a watcher may watch again once one answers
                    getting.cancel()
                    return
                if getting not in done:
                    getting.cancel()
                    await context.write(watch_pb2.WatchEvent(heartbeat=True))
                    continue
                event = getting.result()
                await context.write(event)
                if event.notice:
                    return
        finally:
            stopping.cancel()
            self.hub.watchers.discard(watcher)
