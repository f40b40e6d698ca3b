"""The daemon's stats: its RSS, threads and open files, and each bounded cache's bytes and hits."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import grpc
import psutil

from aimd.config import format_bytes
from aimd.storage.lru import CacheStats
from aimproto.v1 import reading_pb2, reading_pb2_grpc


def stats_source(
    memory_limit_bytes: int,
    caches: Callable[[], Iterable[CacheStats]],
    active_runs: Callable[[], int],
) -> Callable[[], reading_pb2.DaemonStats]:
    """A function that measures this process now (a few system calls: call it off the event loop)."""
    process = psutil.Process()

    def measure() -> reading_pb2.DaemonStats:
        with process.oneshot():
            rss = process.memory_info().rss
            threads = process.num_threads()
            fds = process.num_fds()
        reply = reading_pb2.DaemonStats(
            rss_bytes=rss,
            memory_limit_bytes=memory_limit_bytes,
            threads=threads,
            open_fds=fds,
            active_runs=active_runs(),
            pid=process.pid,
        )
        for cache in caches():
            reply.caches.add(
                name=cache.name,
                bytes=max(cache.bytes, 0),
                max_bytes=cache.max_bytes,
                entries=cache.entries,
                hits=cache.hits,
                misses=cache.misses,
            )
        return reply

    return measure


def fetch(address: str) -> reading_pb2.DaemonStats | None:
    """The stats of the daemon serving at address, or None when it does not answer them."""
    with grpc.insecure_channel(address) as channel:
        try:
            return reading_pb2_grpc.ReadingStub(channel).GetDaemonStats(
                reading_pb2.DaemonStatsRequest(), timeout=5
            )
        except grpc.RpcError:
            return None


def describe(stats: reading_pb2.DaemonStats) -> str:
    """DaemonStats for people: memory, then one line per cache."""
    lines = [
        f"memory: RSS {format_bytes(stats.rss_bytes)} of a {format_bytes(stats.memory_limit_bytes)} limit; "
        f"{stats.threads} threads, {stats.open_fds} open files, {stats.active_runs} runs open"
    ]
    for cache in stats.caches:
        looked = cache.hits + cache.misses
        rate = f", hit rate {cache.hits / looked:.1%}" if looked else ""
        bound = f" of {format_bytes(cache.max_bytes)}" if cache.max_bytes else " (one entry per open run)"
        lines.append(f"  {cache.name}: {format_bytes(cache.bytes)}{bound}, {cache.entries} entries{rate}")
    return "\n".join(lines)
