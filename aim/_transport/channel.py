"""gRPC channels to a daemon: one per process and target, rebuilt in a forked child.

A channel must not cross a fork: clients are cached under the PID that made them, and a
child sees an empty cache (os.register_at_fork clears it) and connects afresh.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc

from aim._transport import credentials, launcher

MAX_MESSAGE_BYTES = 64 * 2**20
REMOTE_SCHEME = launcher.REMOTE_SCHEME

_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.enable_retries", 0),
    # A restarted daemon serves on the same socket path: a shared subchannel would still be in
    # the dead daemon's reconnect backoff and fail the first calls to the new one.
    ("grpc.use_local_subchannel_pool", 1),
]


class Target:
    """Where a daemon is: a local repository (started on demand) or a remote aim://[token@]host:port."""

    def __init__(self, repo: str | os.PathLike[str]) -> None:
        text = os.fspath(repo)
        self.remote = text.startswith(REMOTE_SCHEME)
        self.repo = None if self.remote else Path(os.path.abspath(text))
        self.endpoint = credentials.parse_endpoint(text) if self.remote else None  # token, TLS
        self.key = self.endpoint.key if self.endpoint else str(self.repo)
        self._remote_address = self.endpoint.address if self.endpoint else None

    def address(self, *, start: bool) -> str:
        """The daemon's address; with start=True, start a local daemon when none announced one."""
        if self._remote_address is not None:
            return self._remote_address
        assert self.repo is not None
        address = None if start else launcher.address_of(self.repo)
        return address or launcher.start_daemon(self.repo)

    def __repr__(self) -> str:  # an endpoint is shown without its token
        return str(self.endpoint) if self.endpoint else self.key


def open_channel(address: str, endpoint: credentials.Endpoint | None = None) -> grpc.Channel:
    """A channel to address: the unix socket of a local daemon, or a remote endpoint (TLS, token)."""
    if endpoint is not None:
        return credentials.open_remote_channel(endpoint, _OPTIONS)
    return grpc.insecure_channel(address, options=_OPTIONS)


_cache: dict[str, object] = {}
_cache_lock = threading.RLock()


def cached(key: str, factory: Callable[[], Any]) -> Any:
    """The per-process object under key (made by factory() on first use)."""
    with _cache_lock:
        obj = _cache.get(key)
        if obj is None:
            obj = _cache[key] = factory()
        return obj


def pop_cached(key: str) -> Any:
    with _cache_lock:
        return _cache.pop(key, None)


def _forget_parent_objects() -> None:
    global _cache_lock
    _cache.clear()
    _cache_lock = threading.RLock()


os.register_at_fork(after_in_child=_forget_parent_objects)
