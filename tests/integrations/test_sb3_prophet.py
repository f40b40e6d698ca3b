"""Stable-Baselines3's AimCallback (PPO on CartPole for a few rollouts) and Prophet's AimLogger
(a fit on a month of synthetic days), read back through Repo."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integrations.helpers import only_run, series

pytestmark = pytest.mark.frameworks


def test_sb3_learn_tracks_each_logger_dump_at_its_timestep(repo: Path):
    sb3 = pytest.importorskip(
        "stable_baselines3", reason="stable-baselines3 is not installed (aim-tracker[sb3])"
    )
    from aim.sb3 import AimCallback

    model = sb3.PPO("MlpPolicy", "CartPole-v1", n_steps=32, batch_size=16, n_epochs=1, seed=0, device="cpu")
    callback = AimCallback(repo=str(repo), experiment_name="sb3", system_tracking_interval=None)
    model.learn(total_timesteps=96, callback=callback)

    run = only_run(repo)
    assert run.experiment == "sb3"
    assert run["algo"] == "PPO" and run["n_steps"] == 32 and run["gamma"] == pytest.approx(0.99)
    assert series(run, "iterations", {"tag": "time"}) == ([32, 64, 96], [1, 2, 3])
    steps, losses = series(run, "loss", {"subset": "train"})  # trained after each dump but the last
    assert steps == [64, 96] and all(v == v for v in losses)
    assert series(run, "learning_rate", {"subset": "train"})[1] == pytest.approx([3e-4, 3e-4])


def test_prophet_logger_stores_the_models_settings_and_user_metrics(repo: Path):
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    prophet = pytest.importorskip("prophet", reason="prophet is not installed (aim-tracker[prophet])")
    from aim.prophet import AimLogger

    days = pd.date_range("2024-01-01", periods=30, freq="D")
    frame = pd.DataFrame({"ds": days, "y": [float(i % 7) + 0.1 * i for i in range(30)]})
    model = prophet.Prophet(changepoint_prior_scale=0.1, yearly_seasonality=False)
    model.fit(frame)
    forecast = model.predict(frame)
    mse = float(((forecast["yhat"] - frame["y"]) ** 2).mean())

    logger = AimLogger(
        prophet_model=model, repo=str(repo), experiment="prophet", system_tracking_interval=None
    )
    logger.track_metrics({"mse": mse})
    logger.track_metrics({"mse": mse * 2}, context={"subset": "train"})
    logger.close()

    run = only_run(repo)
    assert run.experiment == "prophet"
    assert run["growth"] == "linear" and run["changepoint_prior_scale"] == pytest.approx(0.1)
    assert run["yearly_seasonality"] is False
    assert series(run, "mse", {"subset": "val"})[1] == pytest.approx([mse])
    assert series(run, "mse", {"subset": "train"})[1] == pytest.approx([mse * 2])
