"""Readings of one sample: this process and its host through psutil, each GPU through NVML.

Every query is guarded on its own: one that raises loses that metric for this sample only, with
one warning per metric for the life of the reader. NVML answering "not supported" (power on some
boards, utilisation of MIG devices) is expected and loses the metric without a warning.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any


class Guard:
    """Calls that may fail: a failure yields None and warns once per metric name."""

    def __init__(self, quiet: tuple[type[BaseException], ...] = ()) -> None:
        self.quiet = quiet  # failures that are expected, never warned about
        self._warned: set[str] = set()

    def call(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:
            if name not in self._warned and not isinstance(exc, self.quiet):
                self._warned.add(name)
                warnings.warn(
                    f"system metric {name!r} could not be read ({type(exc).__name__}: {exc}); "
                    "it is left out while this lasts",
                    RuntimeWarning,
                    stacklevel=2,
                )
            return None


def _rounded(value: Any) -> float | None:
    """value as a float of 5 decimals (as Aim stores them); None for what is not a number."""
    try:
        return round(float(value), 5)
    except (TypeError, ValueError, OverflowError):
        return None


def _numbers(readings: dict[str, Any]) -> dict[str, float]:
    rounded = {name: _rounded(value) for name, value in readings.items()}
    return {name: value for name, value in rounded.items() if value is not None}


class HostReader:
    """CPU and memory of this process, memory and disk of its host (psutil)."""

    def __init__(self, psutil: ModuleType | None = None, disk_path: str = "/") -> None:
        if psutil is None:
            import psutil
        self.psutil = psutil
        self.disk_path = disk_path
        self.guard = Guard()
        self.process = self.guard.call("process", psutil.Process)
        if self.process is not None:
            self.guard.call("cpu", self.process.cpu_percent, None)  # starts the first interval

    def read(self) -> dict[str, float]:
        """{'cpu', 'memory_percent', 'p_memory_percent', 'disk_percent'}: those that answered."""
        call, psutil, process = self.guard.call, self.psutil, self.process
        out: dict[str, Any] = {}
        if process is not None:
            out["cpu"] = call("cpu", process.cpu_percent, None)  # % of one core since the last read
            out["p_memory_percent"] = call("p_memory_percent", process.memory_percent)
        memory = call("memory_percent", psutil.virtual_memory)
        if memory is not None:
            out["memory_percent"] = call("memory_percent", lambda: memory.used * 100 / memory.total)
        disk = call("disk_percent", psutil.disk_usage, self.disk_path)
        out["disk_percent"] = None if disk is None else disk.percent
        return _numbers(out)


@functools.cache  # a failed import is not retried for every Run (it costs about 0.2 ms)
def _import_nvml() -> ModuleType | None:
    try:
        import pynvml  # nvidia-ml-py: pip install 'aim-tracker[gpu]'
    except ImportError:
        return None
    return pynvml


class GpuReader:
    """Utilisation, memory, temperature and power of each GPU (NVML, from nvidia-ml-py).

    Without nvidia-ml-py, or without an NVIDIA driver, there are no GPUs and nothing is said.
    """

    def __init__(self, nvml: ModuleType | None = None) -> None:
        self.nvml = nvml if nvml is not None else _import_nvml()
        self.available = False
        if self.nvml is None:
            return
        try:
            self.nvml.nvmlInit()
        except Exception:  # no driver, no library: no GPU metrics, and no error
            return
        self.available = True
        self.guard = Guard(quiet=(getattr(self.nvml, "NVMLError_NotSupported", ()),))

    def read(self) -> list[dict[str, float]]:
        """One dict per GPU index ('gpu', 'gpu_memory_percent', 'gpu_temp', 'gpu_power_watts');
        a GPU whose handle cannot be had this time (gone, lost) reads as {}."""
        if not self.available:
            return []
        nvml, call = self.nvml, self.guard.call
        count = call("gpu_count", nvml.nvmlDeviceGetCount) or 0
        gpus = []
        for index in range(count):
            handle = call("gpu_handle", nvml.nvmlDeviceGetHandleByIndex, index)
            gpus.append({} if handle is None else self._read_one(handle))
        return gpus

    def _read_one(self, handle: Any) -> dict[str, float]:
        nvml, call = self.nvml, self.guard.call
        out: dict[str, Any] = {}
        rates = call("gpu", nvml.nvmlDeviceGetUtilizationRates, handle)
        out["gpu"] = None if rates is None else rates.gpu
        memory = call("gpu_memory_percent", nvml.nvmlDeviceGetMemoryInfo, handle)
        if memory is not None:
            out["gpu_memory_percent"] = call("gpu_memory_percent", lambda: memory.used * 100 / memory.total)
        sensor = getattr(nvml, "NVML_TEMPERATURE_GPU", 0)
        out["gpu_temp"] = call("gpu_temp", nvml.nvmlDeviceGetTemperature, handle, sensor)
        milliwatts = call("gpu_power_watts", nvml.nvmlDeviceGetPowerUsage, handle)
        out["gpu_power_watts"] = None if milliwatts is None else milliwatts / 1000
        return _numbers(out)

    def close(self) -> None:
        if self.available:
            self.available = False
            try:
                self.nvml.nvmlShutdown()
            except Exception:
                pass
