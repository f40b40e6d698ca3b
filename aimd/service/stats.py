"""The daemon's stats: its RSS, threads and open files, and each bounded cache's bytes and hits."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import psutil

from aimd.storage.lru import CacheStats
from aimproto.v1 import reading_pb2


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
