"""System metrics, terminal logs and system params end to end: real processes, a real daemon.

Each scenario runs its training script in a fresh interpreter, so that the script's own stdout
and stderr are what gets captured, and reads the run back through Repo afterwards.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aim import Repo, Run
from tests.helpers import ROOT

SYSTEM = {"__system__cpu", "__system__memory_percent", "__system__p_memory_percent", "__system__disk_percent"}
GPU = {"__system__gpu", "__system__gpu_memory_percent", "__system__gpu_temp", "__system__gpu_power_watts"}


def script(code: str, *, env: dict | None = None, path: list[Path] = (), check: bool = True):
    """Run code in a fresh interpreter (PYTHONPATH: path, then the project)."""
    pythonpath = os.pathsep.join([*map(str, path), str(ROOT)])
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {}), "PYTHONPATH": pythonpath},
    )
    # as written: '\r' kept (text mode would turn it into '\n'), a byte that is not UTF-8 too
    done.stdout, done.stderr = (out.decode("utf-8", "surrogateescape") for out in (done.stdout, done.stderr))
    if check:
        assert done.returncode == 0, f"script failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def _sequences(run) -> dict[tuple[str, str], int]:
    """{(name, context as sorted items): point count} of a stored run."""
    return {
        (info["name"], str(sorted(info["context"].items()))): info["last_value"]["count"]
        for info in run.collect_sequence_info("metric")["metric"]
    }


def test_metrics_logs_and_params_of_a_training_script(repo):
    """1. a script tracks with the defaults plus log_system_params, printing lines, a redrawn
    progress bar and an unfinished last line; 2. Aim's system metrics are stored, sampled at
    start; 3. the logs are the printed lines with '\\r' collapsed; 4. params hold no secret."""
    done = script(
        f"""
        import sys
        from aim import Run
        run = Run(repo={str(repo)!r}, log_system_params=True)
        print("epoch 1: loss 0.5")
        for pct in range(0, 101, 25):
            print(f"\\rtraining {{pct:3d}}%", end="", flush=True)
        print()
        print("a warning", file=sys.stderr)
        print("bad \\udcff byte")
        sys.stdout.write("last, unfinished")
        run.close()
        print()
        print(run.hash)
        """,
        env={"HF_TOKEN": "hf_secret", "TRAIN_DATA": "s3://me:pw@bucket/data"},
    )
    assert done.stdout.startswith("epoch 1: loss 0.5\n\rtraining   0%\rtraining  25%")  # untouched
    run = Repo(str(repo)).get_run(done.stdout.split()[-1])
    counts = _sequences(run)
    assert {name for name, _ in counts} == SYSTEM  # no GPU here: no GPU metrics, no error
    assert all(context == "[]" and count >= 1 for (_, context), count in counts.items())
    assert "Warning" not in done.stderr
    logs = run.get_terminal_logs()
    lines = [text.data for text in logs.values.values_list()]
    assert lines == ["epoch 1: loss 0.5", "training 100%", "a warning", "bad \udcff byte", "last, unfinished"]
    assert logs.values.sparse_numpy()[0].tolist() == [0, 1, 2, 3, 4]  # one line a step
    params = run["__system_params"]
    assert "HF_TOKEN" not in params["env_variables"]
    assert params["env_variables"]["TRAIN_DATA"] == "s3://***@bucket/data"
    assert params["executable"] == sys.executable and params["arguments"] == ["-c"]
    assert params["packages"]["aim-tracker"]


def test_a_crash_keeps_every_line_written_before_it(repo):
    """1. a script prints, then dies of an exception without close(); 2. its lines, and the
    traceback Python prints, are in the run's logs; 3. the run was closed at exit."""
    done = script(
        f"""
        from aim import Run
        run = Run(repo={str(repo)!r}, system_tracking_interval=None)
        print(run.hash, flush=True)
        for i in range(3):
            print(f"step {{i}}")
        1 / 0
        """,
        check=False,
    )
    assert done.returncode == 1 and "ZeroDivisionError" in done.stderr
    run = Repo(str(repo)).get_run(done.stdout.split()[0])
    lines = [text.data for text in run.get_terminal_logs().values.values_list()]
    assert lines[:4] == [run.hash, "step 0", "step 1", "step 2"]
    assert lines[4] == "Traceback (most recent call last):" and lines[-1].startswith("ZeroDivisionError")
    assert not run.active and _sequences(run) == {}  # interval None: no system metrics


def _print_and_leave(repo: str, out) -> None:
    run = Run(repo=repo, system_tracking_interval=None)
    out.put(run.hash)
    print("a line")
    sys.stdout.write("unfinished, and no close()")


def test_a_multiprocessing_child_that_never_closes_keeps_its_last_line(repo):
    """A child leaves through os._exit (no atexit): the capture's finalizer runs before the
    sender's last flush, so even the unfinished line is stored."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_print_and_leave, args=(str(repo), out))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    run = Repo(str(repo)).get_run(out.get(timeout=10))
    assert [t.data for t in run.get_terminal_logs().values.values_list()] == [
        "a line",
        "unfinished, and no close()",
    ]


def test_processes_attached_to_one_run_keep_separate_system_sequences(repo):
    """1. this process creates a run and keeps it open; 2. a process with RANK=1 and one without
    a rank attach to it, print and sample once; 3. each process has its own sequences: ours in
    Aim's contexts, the rank's in {'rank': 1}, the other's in {'host', 'pid'}."""
    with Run(repo=str(repo), capture_terminal_logs=False) as run:
        attach = f"""
            from aim import Run
            run = Run({run.hash!r}, repo={str(repo)!r})
            print("hello from", run.hash)
            run.close()
            """
        script(attach, env={"RANK": "1"})
        other = script(attach, env={"RANK": ""})
    stored = Repo(str(repo)).get_run(run.hash)
    contexts = {}
    for info in stored.collect_sequence_info("metric")["metric"]:
        contexts.setdefault(str(sorted(info["context"])), set()).add(info["name"])
    assert contexts == {"[]": SYSTEM, "['rank']": SYSTEM, "['host', 'pid']": SYSTEM}
    assert stored.get_metric("__system__cpu", {"rank": 1}) is not None
    assert stored.get_terminal_logs() is None  # the first process did not capture
    assert [t.data for t in stored.get_text_sequence("logs", {"rank": 1}).values.values_list()] == [
        f"hello from {run.hash}"
    ]
    assert other.stdout == f"hello from {run.hash}\n"


FAKE_PYNVML = '''
"""A stand-in for nvidia-ml-py: two GPUs; GPU 1 reads no power (as some boards)."""
from types import SimpleNamespace

NVML_TEMPERATURE_GPU = 0
class NVMLError(Exception): pass
class NVMLError_NotSupported(NVMLError): pass

def nvmlInit(): pass
def nvmlShutdown(): pass
def nvmlDeviceGetCount(): return 2
def nvmlDeviceGetHandleByIndex(i): return i
def nvmlDeviceGetUtilizationRates(h): return SimpleNamespace(gpu=40 + h, memory=0)
def nvmlDeviceGetMemoryInfo(h): return SimpleNamespace(used=1, total=4, free=3)
def nvmlDeviceGetTemperature(h, sensor): return 70
def nvmlDeviceGetPowerUsage(h):
    if h == 1:
        raise NVMLError_NotSupported("Not Supported")
    return 300000
'''


def test_gpu_metrics_through_a_stand_in_nvml_module(repo, tmp_path):
    """1. a script runs with a stand-in pynvml on its path; 2. each GPU's metrics are stored in
    context {'gpu': i}, and the metric GPU 1 does not support is missing without a word."""
    fake = tmp_path / "fake_nvml"
    fake.mkdir()
    (fake / "pynvml.py").write_text(FAKE_PYNVML)
    done = script(
        f"""
        from aim import Run
        run = Run(repo={str(repo)!r}, capture_terminal_logs=False)
        run.close()
        print(run.hash)
        """,
        path=[fake],
    )
    assert "Warning" not in done.stderr
    run = Repo(str(repo)).get_run(done.stdout.strip())
    by_context: dict[str, set[str]] = {}
    for (name, context), _ in _sequences(run).items():
        by_context.setdefault(context, set()).add(name)
    assert by_context == {
        "[]": SYSTEM,
        "[('gpu', 0)]": GPU,
        "[('gpu', 1)]": GPU - {"__system__gpu_power_watts"},
    }
    assert run.get_metric("__system__gpu", {"gpu": 1}).values.values_list()[0] == 41.0
    assert run.get_metric("__system__gpu_power_watts", {"gpu": 0}).values.values_list()[0] == 300.0


@pytest.mark.parametrize("interval", ["10", -5, 1e9])
def test_a_bad_interval_warns_and_the_run_goes_on_tracking(repo, interval):
    with pytest.warns(UserWarning, match="system_tracking_interval"):
        run = Run(repo=str(repo), system_tracking_interval=interval, capture_terminal_logs=False)
    run.track(1.0, name="loss")
    run.close()
    stored = Repo(str(repo)).get_run(run.hash)
    assert set(_sequences(stored)) == {("loss", "[]")}
