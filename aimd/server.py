"""The daemon's process: startup -> serve -> shutdown, signals, and idle exit.

Server model: grpc.aio. A sync grpcio server ties one worker thread to each open stream, so
dozens of long-lived Track streams would starve every other RPC; on the asyncio server a stream
is a coroutine. Blocking work leaves the event loop: writes go to the single writer thread,
reads to a small thread pool.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from aimd.config import IDLE_TRIM_S, Config, memory_limits
from aimd.exposure import tcp_security
from aimd.ingest.offload import Offloader
from aimd.ingest.writer import Writer
from aimd.lock import RepoLock
from aimd.notify import RunHealth
from aimd.query.group_cache import GroupCache
from aimd.service import auth
from aimd.service.documents import DocumentsService
from aimd.service.query import QueryService
from aimd.service.reading import ReadingService
from aimd.service.stats import stats_source
from aimd.service.tracking import TrackingService
from aimd.service.transfer import TransferService
from aimd.service.watch import WatchHub, WatchService
from aimd.service.wire import add_service
from aimd.storage.blob_store import CachedBlobs, open_blob_store
from aimd.storage.block_cache import BlockCache
from aimd.storage.lru import BytesLRU
from aimd.storage.reader import Reader
from aimd.storage.store import Store
from aimproto.v1 import documents_pb2, query_pb2, reading_pb2, tracking_pb2, transfer_pb2, watch_pb2

log = logging.getLogger(__name__)

TICK_S = 0.5
# How long a thread may hold the GIL while another waits (Python's default: 5 ms). Queries are
# CPU work on their own threads; a short interval lets the event loop and the writer, which need
# the GIL a few times per request, take it back quickly while queries run.
SWITCH_INTERVAL_S = 0.0005
TRACKING_SERVICE = "aimproto.v1.Tracking"  # NOT_SERVING while the disk refuses writes
SERVICE_NAMES = (TRACKING_SERVICE, "aimproto.v1.Reading", "aimproto.v1.Query", "")


class Activity:
    """Open streams and the time of the last request: what idle exit looks at."""

    def __init__(self) -> None:
        self.streams = 0
        self.last = time.monotonic()

    def touch(self) -> None:
        self.last = time.monotonic()

    def stream_opened(self) -> None:
        self.streams += 1
        self.touch()

    def stream_closed(self) -> None:
        self.streams -= 1
        self.touch()

    def idle_s(self) -> float:
        return 0.0 if self.streams else time.monotonic() - self.last


class Daemon:
    """One repository's daemon. Build it, then `await serve()`; signals only set a flag."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.activity = Activity()
        self.should_exit = asyncio.Event()
        self.started = asyncio.Event()
        self.address: str | None = None
        self.tcp_port: int | None = None

    def handle_exit(self, *_: object) -> None:
        self.should_exit.set()

    async def serve(self) -> None:
        """Run until a signal, idle timeout or handle_exit(); raises AlreadyRunning if not the owner."""
        config = self.config
        config.aim_dir.mkdir(parents=True, exist_ok=True)
        lock = RepoLock(config.lock_path, config.pid_path)
        lock.acquire()
        try:
            await self.serve_locked()
        finally:
            lock.release()

    async def serve_locked(self) -> None:
        """serve(), for a caller that already holds the repository's lock (aimd.cli)."""
        config = self.config
        security = tcp_security(config)  # before anything opens: a refused configuration raises
        sys.setswitchinterval(SWITCH_INTERVAL_S)  # see SWITCH_INTERVAL_S
        limits = memory_limits(config.memory_limit_bytes)  # MemoryLimitTooLow: refused before anything opens
        store = Store(
            config.db_path,
            sync=config.fsync,
            write_buffer_bytes=limits["leveldb_memtables"] // 2,
            cache_bytes=limits["leveldb_cache"],
        )
        writer = Writer(store, limits["writer_states"], limits["claims"])
        # one block cache and one props cache for every read
        remote = (
            CachedBlobs(open_blob_store(config.blob_store), BytesLRU(limits["blobs"], "blobs"))
            if config.blob_store
            else None
        )
        reader = Reader(
            store, BlockCache(limits["block_cache"]), BytesLRU(limits["props"], "props"), remote=remote
        )
        groups = GroupCache(limits["aggregates"])
        offloader = Offloader(reader, writer, remote, back=config.blobs_back) if remote is not None else None
        stats = stats_source(
            config.memory_limit_bytes,
            lambda: [
                *writer.cache_stats(),
                *reader.cache_stats(),
                groups.stats(),
                *([remote.cache.stats()] if remote is not None else []),
            ],
            writer.attachments.active_count,
        )
        executor = ThreadPoolExecutor(config.read_threads, thread_name_prefix="aimd-read")
        # Queries get their own threads: a long one never delays a plain read.
        query_executor = ThreadPoolExecutor(config.query_threads, thread_name_prefix="aimd-query")
        limit = config.max_message_bytes
        server = grpc.aio.server(
            interceptors=auth.interceptors(security),
            options=[
                ("grpc.max_receive_message_length", limit),
                ("grpc.max_send_message_length", limit),
                ("grpc.so_reuseport", 0),
            ],
        )
        health_servicer = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        hub = WatchHub()  # Tracking publishes what became durable; Watch streams it to watchers
        tracking = TrackingService(
            writer,
            self.activity,
            limit,
            self.should_exit,
            hub,
            artifacts_uri=config.artifacts_uri,
            health=RunHealth(config.webhooks, str(config.repo)),
        )
        add_service(
            server,
            tracking,
            tracking_pb2.DESCRIPTOR.services_by_name["Tracking"],
        )
        add_service(
            server,
            ReadingService(reader, executor, self.activity, stats),
            reading_pb2.DESCRIPTOR.services_by_name["Reading"],
        )
        add_service(
            server,
            QueryService(
                reader,
                query_executor,
                self.activity,
                config.query_timeout_s,
                config.query_idle_timeout_s,
                groups,
            ),
            query_pb2.DESCRIPTOR.services_by_name["Query"],
        )
        add_service(
            server,
            TransferService(writer, self.activity),
            transfer_pb2.DESCRIPTOR.services_by_name["Transfer"],
        )
        add_service(
            server,
            DocumentsService(writer, self.activity),
            documents_pb2.DESCRIPTOR.services_by_name["Documents"],
        )
        add_service(
            server,
            WatchService(hub, writer, self.activity, self.should_exit),
            watch_pb2.DESCRIPTOR.services_by_name["Watch"],
        )
        socket_path = config.socket_path
        socket_path.unlink(missing_ok=True)  # we hold the lock: any socket file here is stale
        old_umask = os.umask(0o177)  # the socket is born 0600
        try:
            server.add_insecure_port(f"unix://{socket_path}")
        finally:
            os.umask(old_umask)
        if security is not None:
            assert config.tcp is not None  # security is made only for a TCP address
            self.tcp_port = auth.add_tcp_port(server, config.tcp, security)
            log.info("TCP %s: %s", config.tcp, security.describe())
            for warning in security.warnings:
                log.warning("%s", warning)
        await server.start()
        os.chmod(socket_path, 0o600)
        for name in SERVICE_NAMES:
            await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
        self.address = f"unix://{socket_path}"
        announced = [self.address]
        if self.tcp_port is not None and config.tcp is not None:  # the real port: HOST:0 picks a free one
            announced.append(f"{config.tcp.rsplit(':', 1)[0]}:{self.tcp_port}")
        _write_atomic(config.address_path, "\n".join(announced) + "\n")
        self._install_signal_handlers()
        log.info("aimd %d serving %s on %s", os.getpid(), config.repo, " and ".join(announced))
        self.started.set()
        if offloader is not None:
            offloader.start()
        try:
            await self._main_loop(tracking, writer, health_servicer)
        finally:
            log.info("shutting down")
            await health_servicer.enter_graceful_shutdown()
            await server.stop(config.shutdown_grace_s)
            if offloader is not None:
                offloader.stop()
            writer.close()
            tracking.health.close()
            executor.shutdown(wait=True)
            query_executor.shutdown(wait=True)
            store.close()
            config.address_path.unlink(missing_ok=True)
            socket_path.unlink(missing_ok=True)
            log.info("stopped")

    async def _main_loop(self, tracking: TrackingService, writer: Writer, health_servicer: Any) -> None:
        idle_limit = self.config.idle_timeout_s
        writable = True
        trimmed = False
        while not self.should_exit.is_set():
            try:
                await asyncio.wait_for(self.should_exit.wait(), TICK_S)
            except asyncio.TimeoutError:
                pass
            try:
                await tracking.sweep()  # clients that went away leave no run active
            except Exception:
                log.exception("sweeping dead attachments failed")
            writer.nudge()  # while the disk refuses writes, probe it even when nobody writes
            if writable != (writer.failure is None):  # Tracking is NOT_SERVING while it does
                writable = writer.failure is None
                status = (
                    health_pb2.HealthCheckResponse.SERVING
                    if writable
                    else health_pb2.HealthCheckResponse.NOT_SERVING
                )
                await health_servicer.set(TRACKING_SERVICE, status)
            idle_s = self.activity.idle_s()
            if idle_s > IDLE_TRIM_S and not trimmed:  # once per idle spell
                writer.trim()
                _release_free_memory()
            trimmed = idle_s > IDLE_TRIM_S
            if idle_limit and idle_s > idle_limit:
                log.info("idle for %.0f s: exiting", idle_limit)
                self.should_exit.set()

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.handle_exit)
            except (NotImplementedError, RuntimeError):  # not the main thread (tests)
                pass


def _release_free_memory() -> None:
    """Hand the heap's free pages back to the OS (glibc's malloc_trim), so that an idle daemon's
    RSS falls back to what it holds; nothing where libc has no malloc_trim."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _write_atomic(path: os.PathLike[str], text: str) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
