"""TensorFlow's tf.keras AimCallback and KerasTuner's, each training tiny models on CPU.

Keras picks its backend once per process and the Keras tests here use torch, so each model is
trained by a child Python with KERAS_BACKEND=tensorflow; the test reads the runs back through Repo.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.integrations.helpers import only_run, series, stored_runs

pytest.importorskip("tensorflow", reason="TensorFlow is not installed (aim-tracker[tensorflow])")

# A child Python imports TensorFlow and trains: seconds here, minutes on a busy machine.
pytestmark = [pytest.mark.frameworks, pytest.mark.timeout(900)]

DATA = """
    import numpy as np
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
"""


def _train(code: str, repo: Path, cwd: Path) -> None:
    env = {
        **os.environ,
        "KERAS_BACKEND": "tensorflow",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "CUDA_VISIBLE_DEVICES": "",
    }
    script = textwrap.dedent(DATA) + textwrap.dedent(code).replace("REPO", repr(str(repo)))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, env=env, timeout=800
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_tf_keras_fit_tracks_epoch_logs_with_subsets_and_the_learning_rate(repo: Path, tmp_path: Path):
    _train(
        """
        import tensorflow as tf
        from aim.tensorflow import AimCallback, AimTracker
        assert AimTracker is AimCallback
        tf.keras.utils.set_random_seed(0)
        model = tf.keras.Sequential(
            [tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="relu"), tf.keras.layers.Dense(1)]
        )
        model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.01), loss="mse", metrics=["mae"])
        callback = AimCallback(repo=REPO, experiment="tf", system_tracking_interval=None)
        model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, callbacks=[callback], verbose=0)
        callback.close()
        """,
        repo,
        tmp_path,
    )
    run = only_run(repo)
    assert run.experiment == "tf"
    for name in ("loss", "mae"):
        assert series(run, name, {"subset": "train"})[0] == [0, 1, 2]
        assert series(run, name, {"subset": "val"})[0] == [0, 1, 2]
    assert run.get_metric("loss", {"subset": "val"}).epochs.values_list() == [0.0, 1.0, 2.0]
    assert series(run, "lr", {"subset": "train"})[1] == pytest.approx([0.01] * 3)


def test_keras_tuner_search_makes_a_run_per_trial_with_its_hyperparameters(repo: Path, tmp_path: Path):
    pytest.importorskip("keras_tuner", reason="KerasTuner is not installed (aim-tracker[keras-tuner])")
    _train(
        """
        import keras, keras_tuner
        from aim.keras_tuner import AimCallback

        def build(hp):
            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(hp.Int("units", 2, 64)),
                                      keras.layers.Dense(1)])
            model.compile(optimizer=keras.optimizers.SGD(hp.Float("lr", 1e-3, 1e-2)), loss="mse")
            return model

        tuner = keras_tuner.RandomSearch(build, objective="val_loss", max_trials=2, seed=1,
                                         directory="tuning", project_name="tiny")
        callback = AimCallback(tuner=tuner, repo=REPO, experiment="kt", system_tracking_interval=None)
        tuner.search(x, y, epochs=2, batch_size=8, validation_split=0.25, callbacks=[callback], verbose=0)
        """,
        repo,
        tmp_path,
    )
    runs = stored_runs(repo)
    assert len(runs) == 2 and {r.experiment for r in runs} == {"kt"}
    assert len({r["trial_id"] for r in runs}) == 2
    for run in runs:
        assert 2 <= run["units"] <= 64 and 1e-3 <= run["lr"] <= 1e-2
        steps, values = series(run, "loss")
        assert steps == list(range(6)) and all(v >= 0 for v in values)  # 3 batches x 2 epochs
