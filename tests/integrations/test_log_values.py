"""The value rules every integration shares (aim._integrations._values), and the lazy import paths.

No framework needed: these run in the main suite. numpy stands in for framework tensors.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from aim import Repo, Run
from aim._integrations._values import LogTracker, number, plain
from tests.helpers import ROOT

INTEGRATIONS = {
    "pytorch_lightning": ("AimLogger", "lightning"),
    "hugging_face": ("AimCallback", "transformers"),
    "keras": ("AimCallback", "keras"),
    "xgboost": ("AimCallback", "xgboost"),
    "lightgbm": ("AimCallback", "lightgbm"),
    "catboost": ("AimLogger", "catboost"),
    "optuna": ("AimCallback", "optuna"),
    "pytorch_ignite": ("AimLogger", "ignite"),
    "tensorflow": ("AimCallback", "tensorflow"),
    "keras_tuner": ("AimCallback", "keras_tuner"),
    "sb3": ("AimCallback", "stable_baselines3"),
    "mxnet": ("AimLoggingHandler", "mxnet"),
    "acme": ("AimWriter", "acme"),
    "paddle": ("AimCallback", "paddle"),
    "fastai": ("AimCallback", "fastai"),
}
EXTRAS = {"keras_tuner": "keras-tuner", "stable_baselines3": "sb3"}  # the others: the package's name


def test_number_takes_scalars_and_says_why_it_refuses_the_rest():
    assert number(3) == 3 and number(True) == 1 and number(np.float32(0.5)) == 0.5
    assert number(np.array([2.5])) == 2.5 and number(np.int64(7)) == 7
    assert math.isnan(number(float("nan")))
    for value, words in [
        ("0.5", "'0.5' is not a number"),
        (None, "None is not a number"),
        ({"a": 1}, "a nested dict is not a number"),
        (np.zeros(3), "a ndarray of 3 elements"),
        (object(), "a object is not a number"),
    ]:
        with pytest.raises(ValueError, match=words):
            number(value)


def test_plain_keeps_trees_and_turns_other_leaves_into_text():
    assert plain({"a": (1, np.float64(2.0)), 3: Path("/x"), "n": None}) == {
        "a": [1, 2.0],
        "3": "/x",
        "n": None,
    }


def test_bad_logs_track_the_numbers_and_warn_once(run: Run, shared: Path):
    tracker = LogTracker("test tracker")
    logs = {
        "loss": 0.5,
        "text": "hello",
        "none": None,
        "nested": {"a": 1.0},
        "tensor": np.ones(4),
        "one": np.array([3.0]),
        "nan": float("nan"),
        7: 1.0,
        "": 2.0,  # a name Run.track refuses
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tracked = tracker.track(run, logs, step=0)
        tracker.track(run, {"text": "again", "loss": 0.25}, step=1)
    assert tracked == 3 and tracker.skipped == 7
    assert len(caught) == 1 and caught[0].category is RuntimeWarning
    assert "test tracker skipped 'text'" in str(caught[0].message)
    run.close()
    stored = Repo(str(shared)).get_run(run.hash)
    assert sorted(m.name for m in stored.metrics()) == ["loss", "nan", "one"]
    assert stored.get_metric("loss", {}).values.values_list() == [0.5, 0.25]
    assert stored.get_metric("one", {}).values.values_list() == [3.0]
    assert math.isnan(stored.get_metric("nan", {}).values.last()[1])


def test_keys_that_collide_after_naming_keep_the_first(run: Run, shared: Path):
    tracker = LogTracker("test tracker")
    naming = {"train_loss": ("loss", {"subset": "train"}), "loss_train": ("loss", {"subset": "train"})}
    with pytest.warns(RuntimeWarning, match="'loss_train': it is tracked as 'loss'"):
        tracker.track(run, {"train_loss": 1.0, "loss_train": 2.0}, step=0, naming=naming.__getitem__)
    run.close()
    stored = Repo(str(shared)).get_run(run.hash)
    assert stored.get_metric("loss", {"subset": "train"}).values.values_list() == [1.0]


def test_params_that_run_refuses_are_skipped_with_the_warning(run: Run, shared: Path):
    tracker = LogTracker("test tracker")
    with pytest.warns(RuntimeWarning, match="skipped ''"):
        tracker.set_params(run, ("hparams",), {"lr": 0.1, "": 1, "path": Path("/data")})
    assert Repo(str(shared)).get_run(run.hash)["hparams"] == {"lr": 0.1, "path": "/data"}


def test_a_closed_run_does_not_stop_training(run: Run):
    run.close()
    tracker = LogTracker("test tracker")
    with pytest.warns(RuntimeWarning, match="is closed"):
        assert tracker.track(run, {"loss": 1.0}, step=0) == 0


def test_import_paths_load_no_framework_until_a_name_is_taken():
    names = [*INTEGRATIONS, "prophet", "distributed_hugging_face"]
    modules = [f"aim.{name}" for name in names] + [f"aim.sdk.adapters.{name}" for name in names]
    code = (
        f"import sys, json, importlib\nfor m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded = set(json.loads(done.stdout))
    heavy = {
        "torch",
        "lightning",
        "transformers",
        "keras",
        "xgboost",
        "lightgbm",
        "catboost",
        "optuna",
        "ignite",
        "tensorflow",
        "keras_tuner",
        "stable_baselines3",
        "mxnet",
        "acme",
        "paddle",
        "accelerate",
        "fastai",
    }
    assert not heavy & loaded


@pytest.mark.parametrize("module", sorted(INTEGRATIONS))
def test_a_missing_framework_is_an_import_error_naming_it(module: str):
    name, package = INTEGRATIONS[module]
    hidden = {"lightning": ["lightning", "pytorch_lightning"]}.get(package, [package])
    code = (
        "import sys\n"
        + "".join(f"sys.modules[{top!r}] = None\n" for top in hidden)
        + f"try:\n    from aim.sdk.adapters.{module} import {name}\n"
        + "except ImportError as exc:\n    print(exc)\nelse:\n    print('imported')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    extra = EXTRAS.get(package, package)
    assert f"aim.{module} needs the" in done.stdout and f"aim-tracker[{extra}]" in done.stdout


def test_mxnet_says_it_has_no_wheels_for_this_python():
    code = "import aim.mxnet\ntry:\n    aim.mxnet.AimLoggingHandler\nexcept ImportError as e:\n    print(e)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    if "needs the 'mxnet' package" not in done.stdout:
        pytest.skip("mxnet is installed here")
    assert "no wheels for Python 3.10 and later" in done.stdout


def test_unknown_names_are_attribute_errors():
    import aim.sdk.adapters.keras as keras_adapter

    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        keras_adapter.Nope  # noqa: B018
