"""What a tracking Run starts beside itself: system metrics, terminal-log capture, system params.

Run calls start() once it can track, and stop() first thing in close(); a process that exits
without close() stops them at exit, before its sender sends the last points. Everything goes
through the run's public API (run.track, run[...] = ...).

Several processes may track into one run (DDP ranks). The first keeps Aim's contexts ({} for
host metrics and logs, {'gpu': i} for GPUs); any other gets its own, added to each of those, so
two processes never write one sequence: {'rank': RANK} under a launcher that sets RANK
(torchrun, accelerate, deepspeed, Lightning), else {'host': hostname, 'pid': pid}.
"""

from __future__ import annotations

import atexit
import multiprocessing.util
import os
import socket
import threading
import warnings
from collections.abc import Mapping
from typing import Any

from aim.errors import MissingRunError
from aim.ext.resource.configs import SYSTEM_PARAMS_KEY

_running: set[Extras] = set()
_exit_hooked = threading.Lock()
_exit_hook_pids: set[int] = set()  # forked children register their own finalizer


def held_elsewhere(client: Any, run_hash: str) -> bool:
    """Whether some process holds the stored run open for tracking (asked before attaching)."""
    try:
        return bool(client.get_run(run_hash)["active"])
    except MissingRunError:
        return False


def process_context(created: bool, shared: bool, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The context this process adds to its system metrics and logs in a run it created or
    attached to (shared: another process held the run open when this one attached)."""
    environ = os.environ if environ is None else environ
    if created:
        return {}
    try:
        rank: int | None = int(environ.get("RANK", ""))
    except ValueError:
        rank = None
    if rank is not None:  # ranks are unique: no race between ranks resuming one run together
        return {} if rank == 0 and not shared else {"rank": rank}
    return {"host": socket.gethostname(), "pid": os.getpid()} if shared else {}


class Extras:
    """The sampler and the capture of one Run in this process."""

    def __init__(self, sampler: Any, capture: Any) -> None:
        self.sampler = sampler
        self.capture = capture

    def stop(self) -> None:
        """Stop sampling and capturing, tracking the last sample's points and the unfinished line."""
        _running.discard(self)
        sampler, capture, self.sampler, self.capture = self.sampler, self.capture, None, None
        if sampler is not None:
            sampler.stop()
        if capture is not None:
            capture.stop()


def start(
    run: Any,
    *,
    track: Any = None,
    created: bool,
    shared: bool,
    system_tracking_interval: Any,
    capture_terminal_logs: bool,
    log_system_params: bool,
) -> Extras | None:
    """Start what the Run's arguments ask for; None when they ask for nothing. track: how to
    track into the run (default run.track; a Run passes one that holds it weakly, so that it
    can be collected and finalized while they run)."""
    from aim._tracking.system.sampler import checked_interval

    track = track or run.track

    context = process_context(created, shared)
    if log_system_params and not context:  # one copy per run: the first process's
        _store_params(run)
    interval = checked_interval(system_tracking_interval)
    sampler = _start_sampler(track, interval, context) if interval else None
    capture = None
    if capture_terminal_logs:
        from aim._tracking.system.terminal import TerminalCapture

        capture = TerminalCapture(track, context)
        capture.start()
    if sampler is None and capture is None:
        return None
    extras = Extras(sampler, capture)
    _running.add(extras)
    _hook_exit()
    return extras


def _store_params(run: Any) -> None:
    from aim._tracking.system.params import system_params

    try:
        run[SYSTEM_PARAMS_KEY] = system_params()
    except Exception as exc:  # the run goes on without them
        warnings.warn(
            f"system params were not stored: {type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=4
        )


def _start_sampler(track: Any, interval: float, context: dict[str, Any]) -> Any:
    from aim._tracking.system.readers import GpuReader, HostReader
    from aim._tracking.system.sampler import Sampler

    try:
        sampler = Sampler(track, interval, context, HostReader(), GpuReader())
        sampler.start()
    except Exception as exc:  # e.g. no thread can be started: the run goes on without
        warnings.warn(
            f"system metrics are not tracked: {type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=4
        )
        return None
    return sampler


def stop_all() -> None:
    """Stop every Run's extras in this process (at exit, before the senders' last flush)."""
    for extras in list(_running):
        extras.stop()


def _hook_exit() -> None:
    """At exit: atexit hooks run last-registered first, and multiprocessing finalizers by
    priority: both come before the senders' (aim._transport.sender, registered earlier, priority 100)."""
    with _exit_hooked:
        if not _exit_hook_pids:
            atexit.register(stop_all)
        if os.getpid() not in _exit_hook_pids:  # a multiprocessing child drops its parent's finalizers
            _exit_hook_pids.add(os.getpid())
            multiprocessing.util.Finalize(None, stop_all, exitpriority=101)
