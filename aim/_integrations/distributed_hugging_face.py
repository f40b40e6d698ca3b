"""AimCallback for a Hugging Face Trainer spread over several nodes: one run, every node's system
metrics in it.

Rank 0 tracks the Trainer as aim.hugging_face.AimCallback does, and listens on main_addr:main_port.
On each other node one worker (local rank 0, or every rank with workers_only_on_rank_0=False)
samples its own system metrics and sends them there, one JSON object a line; rank 0 tracks them
with the context {'rank': r, 'node_rank': n} (and 'gpu' for a GPU's).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from typing import Any

from aim._integrations._lazy import require
from aim._integrations.hugging_face import AimCallback as _TrainerCallback
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

_accelerate = require(
    "accelerate.utils", package="accelerate", extra="transformers", user="aim.distributed_hugging_face"
)
_log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


class _Receiver:
    """Rank 0's listener: accepts up to `workers` connections and tracks what each one sends."""

    def __init__(self, host: str, port: int, workers: int, track: Any) -> None:
        self.track, self.workers = track, workers
        self.server = socket.create_server((host, port))
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, name="aim-dhf-accept", daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        for _ in range(self.workers):
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed
                return
            self._conns.append(conn)
            reader = threading.Thread(target=self._read, args=(conn,), name="aim-dhf-read", daemon=True)
            self._threads.append(reader)
            reader.start()

    def _read(self, conn: socket.socket) -> None:
        with conn, conn.makefile("r", encoding="utf-8") as lines:
            for line in lines:
                try:
                    packet = json.loads(line)
                    self.track(packet["values"], context=packet["context"])
                except Exception as exc:  # a bad packet or a closed run: this worker's metrics stop
                    _log.info("system metrics of a worker are no longer tracked: %s", exc)
                    return

    def stop(self) -> None:
        self.server.close()
        for conn in self._conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:  # the worker is gone already
                pass
        for reader in self._threads:
            reader.join(5)


class _Reporter:
    """A worker's sampler of its own system metrics, sending each sample to rank 0."""

    def __init__(self, host: str, port: int, worker: dict[str, int], interval: float, timeout: float) -> None:
        from aim._tracking.system.readers import GpuReader, HostReader
        from aim._tracking.system.sampler import Sampler

        self.client = self._connect(host, port, timeout)
        self.worker = worker
        self.sampler = Sampler(self._send, interval, {}, HostReader(), GpuReader())

    @staticmethod
    def _connect(host: str, port: int, timeout: float) -> socket.socket:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return socket.create_connection((host, port), timeout=timeout)
            except OSError as exc:
                if time.monotonic() >= deadline:
                    raise ConnectionError(
                        f"could not connect to the main worker at {host}:{port}: {exc}"
                    ) from None
                time.sleep(RETRY_SECONDS)  # the main worker may not listen yet

    def _send(self, values: dict[str, Any], context: dict[str, Any]) -> None:
        packet = {"values": values, "context": {**self.worker, **context}}
        self.client.sendall((json.dumps(packet) + "\n").encode())

    def start(self) -> None:
        self.sampler.start()

    def stop(self) -> None:
        self.sampler.stop()
        self.client.close()


class AimCallback(_TrainerCallback):
    """aim.hugging_face.AimCallback on rank 0, plus the system metrics of the other nodes' workers
    (see the module's docstring). main_addr defaults to $MASTER_ADDR; distributed_information to
    accelerate's get_cpu_distributed_information()."""

    _owner = "aim.distributed_hugging_face.AimCallback"

    def __init__(
        self,
        main_port: int,
        repo: str | None = None,
        experiment: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
        main_addr: str | None = None,
        distributed_information: Any = None,
        connection_timeout: int = 60 * 5,
        workers_only_on_rank_0: bool = True,
    ) -> None:
        main_addr = main_addr or os.environ.get("MASTER_ADDR")
        if not main_addr:
            raise ValueError("main_addr cannot be empty (pass it, or set MASTER_ADDR)")
        if not main_port or main_port < 0:
            raise ValueError("main_port must be a positive number")
        info = distributed_information or _accelerate.get_cpu_distributed_information()
        self.distributed_information, self.connection_timeout = info, connection_timeout
        self.metrics_reporter: _Reporter | None = None
        self.metrics_receiver: _Receiver | None = None
        super().__init__(repo, experiment, system_tracking_interval, log_system_params, capture_terminal_logs)
        per_node = info.local_world_size if workers_only_on_rank_0 else 1
        rank = info.rank or 0
        if rank > 0 and system_tracking_interval is not None:
            if not workers_only_on_rank_0 or info.local_rank == 0:
                worker = {"rank": rank, "node_rank": rank // per_node}
                self.metrics_reporter = _Reporter(
                    main_addr, main_port, worker, system_tracking_interval, connection_timeout
                )
        elif rank == 0:
            workers = info.world_size // per_node
            if workers > 1 and system_tracking_interval is not None:
                run = self._slot.open()
                self.metrics_receiver = _Receiver(main_addr, main_port, workers - 1, run.track)

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        super().on_train_begin(args, state, control, model=model, **kwargs)
        if self.metrics_reporter is not None:
            self.metrics_reporter.start()

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        super().on_train_end(args, state, control, **kwargs)
        self._stop_forwarding()

    def _stop_forwarding(self) -> None:
        for part in (self.metrics_receiver, self.metrics_reporter):
            if part is not None:
                part.stop()
        self.metrics_receiver = self.metrics_reporter = None

    def close(self) -> None:
        """Stop forwarding system metrics, and close the run (rank 0)."""
        self._stop_forwarding()
        super().close()
