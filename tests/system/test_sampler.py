"""The system metrics sampler: names, contexts and sample counts on a fake clock; the readers
against stand-ins for psutil and NVML that fail in every way the issue lists."""

from __future__ import annotations

import types
import warnings

import pytest

from aim._tracking.system.readers import GpuReader, HostReader
from aim._tracking.system.sampler import Sampler, checked_interval
from aim.errors import ClosedRunError
from aim.ext.resource import AIM_RESOURCE_METRIC_PREFIX, DEFAULT_SYSTEM_TRACKING_INT


class Recorder:
    """A stand-in for run.track: remembers each call."""

    def __init__(self, fail: BaseException | None = None) -> None:
        self.calls: list[tuple[dict, dict]] = []
        self.fail = fail

    def __call__(self, value, name=None, step=None, epoch=None, *, context=None):
        if self.fail is not None:
            raise self.fail
        self.calls.append((value, context))


class FixedHost:
    def read(self):
        return {"cpu": 12.5, "memory_percent": 40.0, "p_memory_percent": 1.5, "disk_percent": 70.0}


class FixedGpus:
    closed = False

    def read(self):
        return [{"gpu": 90.0, "gpu_temp": 60.0}, {}, {"gpu": 10.0}]

    def close(self):
        self.closed = True


class FakeClock:
    """A clock that moves only when the sampler waits; stops the sampler after `ticks` waits."""

    def __init__(self, ticks: int, sample_cost: float = 0.0) -> None:
        self.now = 1000.0
        self.ticks = ticks
        self.waits: list[float] = []
        self.sample_cost = sample_cost

    def clock(self) -> float:
        self.now += self.sample_cost / 2  # read twice a sample: before and after
        return self.now

    def wait(self, seconds: float) -> bool:
        self.waits.append(round(seconds, 6))
        self.now += seconds
        return len(self.waits) >= self.ticks


def test_aims_constants_are_importable_from_aims_path():
    from aim.ext.resource.configs import AIM_RESOURCE_METRIC_PREFIX as prefix

    assert prefix == AIM_RESOURCE_METRIC_PREFIX == "__system__"
    assert DEFAULT_SYSTEM_TRACKING_INT == 10


def test_first_sample_at_start_then_one_per_tick_with_aims_names_and_contexts():
    track, fake = Recorder(), FakeClock(ticks=3)
    sampler = Sampler(track, 2.0, {}, FixedHost(), FixedGpus(), clock=fake.clock, wait=fake.wait)
    sampler.run()
    assert sampler.samples == 3  # at start, then after each wait until the 3rd says stop
    assert fake.waits == [2.0, 2.0, 2.0]
    host = [(v, c) for v, c in track.calls if c == {}]
    assert len(host) == 3
    assert set(host[0][0]) == {
        "__system__cpu",
        "__system__memory_percent",
        "__system__p_memory_percent",
        "__system__disk_percent",
    }
    gpus = [(v, c) for v, c in track.calls if "gpu" in c]
    assert [c for _, c in gpus[:2]] == [{"gpu": 0}, {"gpu": 2}]  # GPU 1 read nothing: no call
    assert gpus[0][0] == {"__system__gpu": 90.0, "__system__gpu_temp": 60.0}
    assert len(gpus) == 6


def test_a_process_context_is_added_to_every_sequence():
    track, fake = Recorder(), FakeClock(ticks=1)
    Sampler(track, 1.0, {"rank": 3}, FixedHost(), FixedGpus(), clock=fake.clock, wait=fake.wait).run()
    assert {tuple(sorted(c.items())) for _, c in track.calls} == {
        (("rank", 3),),
        (("gpu", 0), ("rank", 3)),
        (("gpu", 2), ("rank", 3)),
    }


def test_a_slow_sample_skips_the_ticks_it_missed_instead_of_bunching_up():
    fake = FakeClock(ticks=2, sample_cost=2.5)
    Sampler(Recorder(), 1.0, {}, FixedHost(), FixedGpus(), clock=fake.clock, wait=fake.wait).run()
    assert all(0 < w <= 1.0 for w in fake.waits)


def test_stop_releases_nvml():
    gpus = FixedGpus()
    sampler = Sampler(Recorder(fail=ClosedRunError("closed")), 1.0, {}, FixedHost(), gpus)
    sampler.start()
    sampler.stop()
    assert gpus.closed


def test_a_closed_run_ends_sampling_quietly_and_other_errors_with_one_warning():
    fake = FakeClock(ticks=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        closed = Sampler(Recorder(ClosedRunError("x")), 1.0, {}, FixedHost(), FixedGpus(), wait=fake.wait)
        closed.run()
    assert closed.samples == 0 and fake.waits == []
    with pytest.warns(RuntimeWarning, match="no longer tracked: OSError: boom"):
        broken = Sampler(Recorder(OSError("boom")), 1.0, {}, FixedHost(), FixedGpus(), wait=fake.wait)
        broken.run()


@pytest.mark.parametrize("interval", [None, 0, 0.0])
def test_none_or_zero_turns_sampling_off_quietly(interval):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert checked_interval(interval) is None


@pytest.mark.parametrize("interval", [0.05, -1, 86401, "10", True, float("nan"), [10]])
def test_an_interval_outside_aims_range_turns_sampling_off_with_a_warning(interval):
    with pytest.warns(UserWarning, match="system_tracking_interval=.* is not a number of seconds from 0.1"):
        assert checked_interval(interval) is None


@pytest.mark.parametrize("interval", [0.1, 10, 86400])
def test_an_interval_in_range_is_kept(interval):
    assert checked_interval(interval) == float(interval)


def test_host_reader_reads_this_process_through_psutil():
    readings = HostReader().read()
    assert set(readings) == {"cpu", "memory_percent", "p_memory_percent", "disk_percent"}
    assert all(isinstance(v, float) and v >= 0 for v in readings.values())


def _raising(*args, **kwargs):
    raise OSError("psutil broke")


def test_host_reader_survives_psutil_raising_at_every_call_with_one_warning_each():
    broken = types.SimpleNamespace(Process=_raising, virtual_memory=_raising, disk_usage=_raising)
    with pytest.warns(RuntimeWarning) as caught:
        reader = HostReader(psutil=broken)
        assert reader.read() == {}
    assert {str(w.message).split("'")[1] for w in caught} == {"process", "memory_percent", "disk_percent"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert reader.read() == {}  # said once only


# --- NVML, through a stand-in for the pynvml module ----------------------------------------
class NVMLError(Exception):
    pass


class NVMLError_NotSupported(NVMLError):  # noqa: N801 (NVML's name)
    pass


class NVMLError_GpuIsLost(NVMLError):  # noqa: N801
    pass


def fake_nvml(count: int = 2, *, init_error: Exception | None = None) -> types.SimpleNamespace:
    """A stand-in for pynvml: GPU 1 has no power reading (NotSupported) and a broken sensor."""
    state = types.SimpleNamespace(count=count, shutdown=0)

    def init():
        if init_error is not None:
            raise init_error

    def handle(index):
        if index >= state.count:
            raise NVMLError_GpuIsLost("GPU is lost")
        return index

    def temperature(h, sensor):
        assert sensor == 0
        if h == 1:
            raise NVMLError("Unknown Error")
        return 50 + h

    def power(h):
        if h == 1:
            raise NVMLError_NotSupported("Not Supported")
        return 250_500

    def shutdown():
        state.shutdown += 1

    return types.SimpleNamespace(
        state=state,
        NVMLError=NVMLError,
        NVMLError_NotSupported=NVMLError_NotSupported,
        NVML_TEMPERATURE_GPU=0,
        nvmlInit=init,
        nvmlShutdown=shutdown,
        nvmlDeviceGetCount=lambda: 2,
        nvmlDeviceGetHandleByIndex=handle,
        nvmlDeviceGetUtilizationRates=lambda h: types.SimpleNamespace(gpu=30 * (h + 1), memory=5),
        nvmlDeviceGetMemoryInfo=lambda h: types.SimpleNamespace(used=1 << 30, total=4 << 30, free=3 << 30),
        nvmlDeviceGetTemperature=temperature,
        nvmlDeviceGetPowerUsage=power,
    )


def test_gpu_reader_reads_each_gpu_and_loses_only_the_metric_that_fails():
    nvml = fake_nvml()
    with pytest.warns(RuntimeWarning, match="'gpu_temp' could not be read .*Unknown Error") as caught:
        reader = GpuReader(nvml)
        gpus = reader.read()
    assert len(caught) == 1  # NotSupported (power of GPU 1) is expected: no warning
    assert gpus == [
        {"gpu": 30.0, "gpu_memory_percent": 25.0, "gpu_temp": 50.0, "gpu_power_watts": 250.5},
        {"gpu": 60.0, "gpu_memory_percent": 25.0},
    ]
    reader.close()
    reader.close()
    assert nvml.state.shutdown == 1 and reader.read() == []


def test_a_gpu_that_disappears_mid_run_reads_empty_with_one_warning():
    nvml = fake_nvml()
    reader = GpuReader(nvml)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader.read()
    nvml.state.count = 1
    with pytest.warns(RuntimeWarning, match="'gpu_handle'.*GPU is lost"):
        assert reader.read()[1] == {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert reader.read()[1] == {}


@pytest.mark.parametrize("nvml", [None, "no-driver"])
def test_no_nvml_or_no_driver_means_no_gpu_metrics_and_no_word(nvml, monkeypatch):
    if nvml is None:
        monkeypatch.setattr("aim._tracking.system.readers._import_nvml", lambda: None)
    else:
        nvml = fake_nvml(init_error=NVMLError("NVML Shared Library Not Found"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = GpuReader(nvml)
        assert not reader.available and reader.read() == []
        reader.close()


def test_the_real_nvml_module_is_optional():
    """With nvidia-ml-py installed and no driver (this machine), there are no GPUs and no error;
    where a GPU is lent, it reads one dict per GPU."""
    pynvml = pytest.importorskip("pynvml")
    reader = GpuReader(pynvml)
    try:
        gpus = reader.read()
        assert all(isinstance(g, dict) for g in gpus)
        if reader.available:
            assert gpus and "gpu_memory_percent" in gpus[0]
    finally:
        reader.close()
