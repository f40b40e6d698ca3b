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
MIB = 2**20
DEFAULT_QUERY_TIMEOUT_S = 5.0  # a query's evaluation time budget unless its client asks otherwise
MAX_QUERY_TIMEOUT_S = 600.0  # the longest time budget a query may have
DEFAULT_QUERY_IDLE_TIMEOUT_S = 600.0  # a query stream whose client reads nothing this long ends

# --- memory: the daemon's bounds in bytes, one table -----------------------------------------------
# The memory limit (`aimd start --memory-limit`) is what the daemon may hold in all: BASE_BYTES
# for the interpreter, gRPC, threads and the messages in flight, and the rest shared as
# MEMORY_SHARES says between LevelDB (its memtables: two of write_buffer_size while one is
# written out; its cache of table blocks) and the daemon's caches. Each cache evicts its least
# recently used entries past its share (aimd.storage.lru); a run's cached tails go when it closes,
# all of them once the daemon idles.
DEFAULT_MEMORY_LIMIT_BYTES = 320 * MIB
IDLE_TRIM_S = 5.0  # idle this long, the daemon drops the writer's states and returns free memory
BASE_BYTES = 64 * MIB
MIN_SHARED_BYTES = 64 * MIB  # below this LevelDB's memtables and the caches would be too small to work
MIN_MEMORY_LIMIT_BYTES = BASE_BYTES + MIN_SHARED_BYTES
MEMORY_SHARES: dict[str, float] = {
    "leveldb_memtables": 0.20,  # LevelDB's write buffer is half of this (aimd.storage.store)
    "leveldb_cache": 0.05,  # LevelDB's cache of raw table blocks
    "block_cache": 0.25,  # decoded point blocks kept for repeated reads (aimd.storage.block_cache)
    "writer_states": 0.25,  # sequence tails and client seqs between batches (aimd.ingest.writer)
    "props": 0.10,  # decoded run props (aimd.storage.reader)
    "claims": 0.05,  # blobs connected clients count on (aimd.ingest.claims)
    "aggregates": 0.05,  # aggregate query replies kept for the same view again (aimd.query.group_cache)
    "blobs": 0.05,  # whole blobs read back from the --blob-store (aimd.storage.blob_store)
}


class MemoryLimitTooLow(ValueError):
    """A memory limit below what the daemon needs to work."""


def memory_limits(memory_limit_bytes: int) -> dict[str, int]:
    """Each MEMORY_SHARES entry's bound in bytes under a memory limit; MemoryLimitTooLow below
    the minimum."""
    if memory_limit_bytes < MIN_MEMORY_LIMIT_BYTES:
        raise MemoryLimitTooLow(
            f"memory limit {format_bytes(memory_limit_bytes)} is below the minimum the daemon needs: "
            f"{format_bytes(MIN_MEMORY_LIMIT_BYTES)} ({MIN_MEMORY_LIMIT_BYTES} bytes)"
        )
    shared = memory_limit_bytes - BASE_BYTES
    return {name: int(shared * share) for name, share in MEMORY_SHARES.items()}


_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_bytes(text: str) -> int:
    """A size as written on a command line: 512M, 1.5G, 1048576 (K, M, G, T: powers of 1024;
    an optional B or iB after them)."""
    cleaned = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = cleaned[-1:] if cleaned[-1:] in _UNITS and cleaned[-1:] else ""
    number = cleaned[: len(cleaned) - len(unit)]
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text!r} is not a size (write it as 512M, 2G or a number of bytes)") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{text!r} is not a size (write it as 512M, 2G or a number of bytes)")
    return int(value * _UNITS[unit])


def format_bytes(n: int) -> str:
    """n bytes for people: 448 MiB, 1.5 GiB."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.4g} {unit}"
    return f"{n} B"


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
    memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT_BYTES  # see MEMORY_SHARES
    fsync: bool = False  # True: fsync every write batch (survives power loss, not only kill -9)
    # The TCP port's security (aimd.exposure decides what may be served):
    token_file: Path | None = None  # tokens a TCP client must present (aimd.tokens), with AIMD_TOKEN
    tls_cert: Path | None = None  # PEM certificate chain: serve TCP over TLS (with tls_key)
    tls_key: Path | None = None
    insecure: bool = False  # allow plaintext TCP on a non-loopback address
    no_auth: bool = False  # allow TCP without any token
    # The repository's settings (aimd.settings; `aimd start --artifacts-uri/--webhook` saves them):
    artifacts_uri: str = ""  # the default base uri of Run.artifacts_uri; "" for none
    webhooks: tuple[str, ...] = ()  # URLs notified when a run ends (aimd.notify)
    blob_store: str = ""  # object store that blob bytes move to (aimd.ingest.offload); "" for none
    blobs_back: bool = False  # move the blob bytes from blob_store back into LevelDB instead

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
