"""Keras 3's AimCallback (torch backend), on a tiny model fit for a few epochs on CPU."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported; Keras reads it once
pytest.importorskip("torch", reason="torch is not installed (Keras' backend here)")
keras = pytest.importorskip("keras", reason="keras is not installed (aim-tracker[keras])")

import numpy as np  # noqa: E402

from aim.keras import AimCallback, AimTracker  # noqa: E402
from tests.integrations.helpers import only_run, series  # noqa: E402

pytestmark = pytest.mark.frameworks


def test_fit_tracks_epoch_logs_with_subsets_and_the_learning_rate(repo: Path):
    assert keras.backend.backend() == "torch"
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse", metrics=["mae"])
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    callback = AimCallback(repo=str(repo), experiment="keras")
    model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, callbacks=[callback], verbose=0)
    callback.close()

    run = only_run(repo)
    assert run.experiment == "keras" and AimTracker is AimCallback
    for name in ("loss", "mae"):
        assert series(run, name, {"subset": "train"})[0] == [0, 1, 2]
        assert series(run, name, {"subset": "val"})[0] == [0, 1, 2]
    assert run.get_metric("loss", {"subset": "val"}).epochs.values_list() == [0.0, 1.0, 2.0]
    assert series(run, "lr", {"subset": "train"})[1] == pytest.approx([0.01] * 3)


def test_bad_epoch_logs_do_not_stop_fit(repo: Path):
    callback = AimCallback(repo=str(repo))
    with pytest.warns(RuntimeWarning, match="aim.keras.AimCallback skipped 'note'"):
        callback.on_epoch_end(0, {"loss": 1.0, "note": "text", "val_loss": None})
    callback.close()
    assert series(only_run(repo), "loss", {"subset": "train"}) == ([0], [1.0])
