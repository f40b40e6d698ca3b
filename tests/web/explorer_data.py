"""A repository for the explorers' browser tests: a few runs with params to group by, one run
without them (a "none" group), a loss in two contexts with known values."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aim import Run

QUIET = {"system_tracking_interval": None, "capture_terminal_logs": False}
STEPS = 40
LRS = (0.1, 0.01)
SEEDS = 3
SPIKE_STEP, SPIKE = 21, 50.0


def loss(lr: float, seed: int) -> np.ndarray:
    """The train loss of the run with lr and seed (the tests compare against it)."""
    rng = np.random.default_rng(seed + int(lr * 1000))
    values = np.exp(-np.arange(STEPS) * lr) + rng.normal(0, 0.05, STEPS)
    if seed == 1:
        values[SPIKE_STEP] = SPIKE  # an outlier
    return values


def fill(repo: Path) -> dict[str, list[str]]:
    """Runs tracked into repo: their hashes by lr (and "none" for the run without params)."""
    hashes: dict[str, list[str]] = {}
    for lr in LRS:
        for seed in range(SEEDS):
            with Run(repo=str(repo), experiment="sweep", **QUIET) as run:
                run.name = f"lr{lr}-s{seed}"
                run["hparams"] = {"lr": lr, "seed": seed, "opt": {"name": "sgd" if seed else "adam"}}
                for step, value in enumerate(loss(lr, seed).tolist()):
                    run.track(value, name="loss", step=step, epoch=step // 10, context={"subset": "train"})
                    if step % 5 == 0:
                        run.track(value + 0.1, name="loss", step=step, context={"subset": "val"})
                run.track(1.0 - lr, name="acc", step=0, context={"subset": "val"})
                hashes.setdefault(str(lr), []).append(run.hash)
    with Run(repo=str(repo), experiment="bare", **QUIET) as run:
        run.name = "bare"
        for step in range(STEPS):
            run.track(1.0, name="loss", step=step, context={"subset": "train"})
        hashes["none"] = [run.hash]
    return hashes
