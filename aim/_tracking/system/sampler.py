"""The system metrics sampler: reads host and GPUs on a background thread, tracks into a run.

The first sample is taken when the sampler starts, then one every `interval` seconds on a fixed
schedule (a sample that overruns skips the ticks it missed). Values go through the run's public
track(): `__system__<name>` in the process's context, GPUs with {'gpu': index} added. The clock
and the wait are injected, so tests drive ticks without sleeping.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

from aim.errors import ClosedRunError
from aim.ext.resource.configs import AIM_RESOURCE_METRIC_PREFIX, STAT_INTERVAL_MAX, STAT_INTERVAL_MIN

Track = Callable[..., None]


def checked_interval(interval: Any) -> float | None:
    """interval in seconds, or None when sampling is off: None and 0 turn it off quietly; what
    is not a number of seconds in [STAT_INTERVAL_MIN, STAT_INTERVAL_MAX] turns it off with a warning."""
    if interval is None or (type(interval) in (int, float) and interval == 0):
        return None
    if type(interval) in (int, float) and STAT_INTERVAL_MIN <= interval <= STAT_INTERVAL_MAX:
        return float(interval)
    warnings.warn(
        f"system_tracking_interval={interval!r} is not a number of seconds from {STAT_INTERVAL_MIN} to "
        f"{STAT_INTERVAL_MAX:.0f} (1 day): system metrics are not tracked for this run",
        UserWarning,
        stacklevel=4,
    )
    return None


class Sampler:
    """Tracks one sample of `host` and `gpus` every `interval` seconds, on its own thread."""

    def __init__(
        self,
        track: Track,
        interval: float,
        context: dict[str, Any],
        host: Any,
        gpus: Any,
        *,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.track = track
        self.interval = interval
        self.context = dict(context)
        self.host = host  # .read() -> {name: value}
        self.gpus = gpus  # .read() -> [{name: value} per GPU index]; .close()
        self.clock = clock
        self._stopped = threading.Event()
        self.wait = wait or self._stopped.wait  # wait(seconds) -> True when told to stop
        self._thread: threading.Thread | None = None
        self.samples = 0

    def sample(self) -> bool:
        """Read once and track what was read; False when the run takes no more points."""
        try:
            host = self.host.read()
            if host:
                self.track({AIM_RESOURCE_METRIC_PREFIX + k: v for k, v in host.items()}, context=self.context)
            for index, gpu in enumerate(self.gpus.read()):
                if gpu:
                    named = {AIM_RESOURCE_METRIC_PREFIX + k: v for k, v in gpu.items()}
                    self.track(named, context={**self.context, "gpu": index})
        except ClosedRunError:
            return False
        except Exception as exc:  # never let the thread die with a traceback on the user's terminal
            warnings.warn(
                f"system metrics are no longer tracked: {type(exc).__name__}: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )
            return False
        self.samples += 1
        return True

    def run(self) -> None:
        """Sample now, then on every tick until stopped (the thread's body)."""
        next_at = self.clock()
        while self.sample():
            now = self.clock()
            next_at += self.interval
            if next_at <= now:  # overran: skip the ticks already missed
                next_at += (now - next_at) // self.interval * self.interval + self.interval
            if self.wait(next_at - now):
                return

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="aim-system-sampler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop sampling (a sample under way completes first) and release NVML."""
        self._stopped.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self.gpus.close()
