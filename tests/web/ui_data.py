"""A repository filled for the UI's tests: metrics with a spike, params, objects, hostile names."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aim import Audio, Distribution, Figure, Image, Run, Text

INJECTED = '<script>window.aimInjected = true</script><img src=x onerror="window.aimInjected = true">'
SPIKE_STEP, SPIKE = 1234, 50.0
LONG_STEPS = 5000
FIGURE_STEPS = 2  # a figure per step: a line through (0, step), (1, step + 1), (2, step + 4)
QUIET = {"system_tracking_interval": None, "capture_terminal_logs": False}  # only what a test tracks


def fill(repo: Path) -> dict[str, str]:
    """Runs tracked into repo; returns their hashes by role."""
    hashes = {}
    for i, lr in enumerate((1e-3, 1e-2)):
        with Run(repo=str(repo), experiment="mnist", **QUIET) as run:
            run.name = f"run-{i}"
            run["hparams"] = {"lr": lr, "batch": 32, "optimizer": {"name": "adam"}}
            values = np.exp(-np.arange(LONG_STEPS) / 1000.0) + lr
            values[SPIKE_STEP] = SPIKE
            for step, value in enumerate(values.tolist()):
                run.track(value, name="loss", step=step, epoch=step // 1000, context={"subset": "train"})
            for step in range(0, LONG_STEPS, 100):
                run.track(0.5 + lr, name="loss", step=step, context={"subset": "val"})
                run.track(10.0 + step / 1000, name="__system__cpu", step=step)
            hashes[f"run{i}"] = run.hash
    with Run(repo=str(repo), experiment="objects", **QUIET) as run:
        run.name = "objects"
        pixels = np.zeros((8, 8, 3), np.uint8)
        for step in range(3):
            pixels[:, :, 0] = 80 * step
            images = [Image(pixels.copy(), caption=f"red {step} {INJECTED}") for _ in range(2)]
            run.track(images, name="samples", step=step)
            run.track(Distribution(np.random.default_rng(step).normal(size=500)), name="weights", step=step)
            run.track(Text(f"generated {step} {INJECTED}"), name="outputs", step=step)
            run.track(Text(f"epoch {step} done {INJECTED}"), name="logs", step=step)  # terminal logs
            samples = np.sin(np.arange(800) * (step + 1) / 10.0)
            run.track(Audio(samples, rate=8000, caption=f"tone {step}"), name="tones", step=step)
        for step in range(FIGURE_STEPS):
            run.track(Figure(scatter(step)), name="curve", step=step)
        run.log_info(f"started {INJECTED}", lr=0.1)
        run.log_warning("loss is flat")
        run.log_error("diverged")
        hashes["objects"] = run.hash
    with Run(repo=str(repo), experiment="hostile", **QUIET) as run:
        run.name = INJECTED + "x" * 500
        run["huge"] = {f"key{i}": {"nested": "v" * 300, "n": i} for i in range(150)}
        run.track(1.0, name="loss", step=0, context={"subset": "train"})
        hashes["hostile"] = run.hash
    return hashes


def scatter(step: int) -> object:
    """A plotly figure of one line, its title naming the step."""
    import plotly.graph_objects as go

    trace = go.Scatter(x=[0, 1, 2], y=[step, step + 1, step + 4], mode="lines+markers", name=f"line {step}")
    return go.Figure(trace, layout={"title": {"text": f"curve at step {step}"}})
