"""Config: where a daemon keeps its files and every tunable default, in one place."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aimproto.contract import AIM_DIR

MAX_UNIX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux; keep a margin

DEFAULT_IDLE_TIMEOUT_S = 0.0  # 0: never exit for idleness (`aimd serve|start`)
DEFAULT_MAX_MESSAGE_BYTES = 64 * 2**20
DEFAULT_SHUTDOWN_GRACE_S = 10.0
DEFAULT_READ_THREADS = 4
DEFAULT_QUERY_THREADS = 32  # more than queries ever run at once: a new one never waits for a thread
DEFAULT_BLOCK_CACHE_BYTES = 256 * 2**20  # decoded point blocks kept for repeated reads
DEFAULT_QUERY_TIMEOUT_S = 5.0  # a query's evaluation time budget unless its client asks otherwise
MAX_QUERY_TIMEOUT_S = 600.0  # the longest time budget a query may have
DEFAULT_QUERY_IDLE_TIMEOUT_S = 600.0  # a query stream whose client reads nothing this long ends


@dataclass
class Config:
    repo: Path  # the directory holding .aim
    tcp: str | None = None  # "host:port" to serve on besides the unix socket
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    shutdown_grace_s: float = DEFAULT_SHUTDOWN_GRACE_S
    read_threads: int = DEFAULT_READ_THREADS
    query_threads: int = DEFAULT_QUERY_THREADS
    query_timeout_s: float = DEFAULT_QUERY_TIMEOUT_S
    query_idle_timeout_s: float = DEFAULT_QUERY_IDLE_TIMEOUT_S
    block_cache_bytes: int = DEFAULT_BLOCK_CACHE_BYTES
    fsync: bool = False  # True: fsync every write batch (survives power loss, not only kill -9)
    # The TCP port's security (aimd.exposure decides what may be served):
    token_file: Path | None = None  # tokens a TCP client must present (aimd.tokens), with AIMD_TOKEN
    tls_cert: Path | None = None  # PEM certificate chain: serve TCP over TLS (with tls_key)
    tls_key: Path | None = None
    insecure: bool = False  # allow plaintext TCP on a non-loopback address
    no_auth: bool = False  # allow TCP without any token

    def __post_init__(self) -> None:
        self.repo = Path(os.path.abspath(self.repo))
        for name in ("token_file", "tls_cert", "tls_key"):
            if getattr(self, name) is not None:
                setattr(self, name, Path(os.path.abspath(getattr(self, name))))

    @property
    def aim_dir(self) -> Path:
        return self.repo / AIM_DIR

    @property
    def db_path(self) -> Path:
        return self.aim_dir / "db"

    @property
    def lock_path(self) -> Path:
        return self.aim_dir / "aimd.lock"

    @property
    def pid_path(self) -> Path:
        return self.aim_dir / "aimd.pid"

    @property
    def address_path(self) -> Path:
        """The file naming where the running daemon serves: the unix target, then the TCP address if any."""
        return self.aim_dir / "aimd.addr"

    @property
    def log_path(self) -> Path:
        return self.aim_dir / "aimd.log"

    @property
    def socket_path(self) -> Path:
        """The unix socket: inside the repo unless that path is too long for a socket."""
        inside = self.aim_dir / "aimd.sock"
        if len(str(inside)) <= MAX_UNIX_SOCKET_PATH:
            return inside
        digest = hashlib.sha256(str(self.repo).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"aimd-{digest}.sock"
