"""XGBoost, LightGBM and CatBoost callbacks, each on a tiny synthetic regression for a few rounds."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from tests.integrations.helpers import only_run, series

pytestmark = pytest.mark.frameworks


def _data(rows: int = 64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 3))
    return x, x @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.1, size=rows)


def test_xgboost_tracks_each_round_per_eval_set(repo: Path):
    xgb = pytest.importorskip("xgboost", reason="xgboost is not installed (aim-tracker[xgboost])")
    from aim.xgboost import AimCallback

    x, y = _data()
    train, valid = xgb.DMatrix(x[:48], label=y[:48]), xgb.DMatrix(x[48:], label=y[48:])
    params = {"max_depth": 2, "eta": 0.3, "eval_metric": ["rmse", "mae"], "nthread": 1}
    callback = AimCallback(repo=str(repo), experiment="xgb")
    xgb.train(
        params, train, 5, evals=[(train, "train"), (valid, "valid")], callbacks=[callback], verbose_eval=False
    )

    run = only_run(repo)  # the callback closed the run after training
    assert run.experiment == "xgb" and not run.active
    steps, rmse = series(run, "rmse", {"data_name": "train", "stdv": False})
    assert steps == [0, 1, 2, 3, 4] and rmse == sorted(rmse, reverse=True)
    assert series(run, "mae", {"data_name": "valid", "stdv": False})[0] == [0, 1, 2, 3, 4]


def test_xgboost_cv_tracks_means_and_standard_deviations(repo: Path):
    xgb = pytest.importorskip("xgboost", reason="xgboost is not installed (aim-tracker[xgboost])")
    from aim.xgboost import AimCallback

    x, y = _data()
    callback = AimCallback(repo=str(repo))
    xgb.cv({"max_depth": 2, "nthread": 1}, xgb.DMatrix(x, label=y), 3, nfold=2, callbacks=[callback], seed=0)
    run = only_run(repo)
    assert series(run, "rmse", {"data_name": "test", "stdv": False})[0] == [0, 1, 2]
    assert all(v >= 0 for v in series(run, "rmse", {"data_name": "test", "stdv": True})[1])


def test_lightgbm_tracks_train_and_cv_results(repo: Path):
    lgb = pytest.importorskip("lightgbm", reason="lightgbm is not installed (aim-tracker[lightgbm])")
    from aim.lightgbm import AimCallback

    x, y = _data()
    params = {
        "objective": "regression",
        "metric": ["l2", "l1"],
        "num_leaves": 4,
        "verbose": -1,
        "num_threads": 1,
    }
    train = lgb.Dataset(x[:48], label=y[:48])
    valid = lgb.Dataset(x[48:], label=y[48:], reference=train)
    callback = AimCallback(repo=str(repo), experiment="lgb")
    lgb.train(
        params, train, 4, valid_sets=[train, valid], valid_names=["train", "valid"], callbacks=[callback]
    )
    lgb.cv(params, lgb.Dataset(x, label=y), 3, nfold=2, stratified=False, callbacks=[callback])
    callback.close()

    run = only_run(repo)
    assert run.experiment == "lgb"
    assert series(run, "l2", {"data_name": "valid"})[0] == [0, 1, 2, 3]
    assert series(run, "l1", {"data_name": "train"})[0] == [0, 1, 2, 3]
    assert series(run, "l2-mean", {"data_name": "valid"})[0] == [0, 1, 2]
    assert len(series(run, "l1-stdv", {"data_name": "valid"})[1]) == 3


def test_catboost_reads_its_log_into_metrics(repo: Path):
    catboost = pytest.importorskip("catboost", reason="catboost is not installed (aim-tracker[catboost])")
    from aim.catboost import AimLogger

    x, y = _data()
    echo = io.StringIO()
    logger = AimLogger(loss_function="RMSE", repo=str(repo), experiment="cat", log_cout=echo)
    model = catboost.CatBoostRegressor(
        iterations=5, depth=2, thread_count=1, allow_writing_files=False, random_seed=0
    )
    model.fit(x[:48], y[:48], eval_set=(x[48:], y[48:]), log_cout=logger, verbose=1)
    logger.close()

    run = only_run(repo)
    assert run.experiment == "cat" and "learn:" in echo.getvalue()
    assert series(run, "RMSE", {"log": "learn"})[0] == [0, 1, 2, 3, 4]
    assert series(run, "RMSE", {"log": "test"})[0] == [0, 1, 2, 3, 4]
    assert series(run, "RMSE", {"log": "best"})[0] == [0, 1, 2, 3, 4]


def test_catboost_junk_lines_and_bad_values_do_not_stop_training(repo: Path):
    pytest.importorskip("catboost", reason="catboost is not installed (aim-tracker[catboost])")
    from aim.catboost import AimLogger

    logger = AimLogger(repo=str(repo), log_cout=None)
    logger.write("Learning rate set to 0.5\n0:\tlearn: 0.25\ttest: 0.5\tbest: 0.5 (0)\ttotal: 1ms\n")
    with pytest.warns(RuntimeWarning, match="aim.catboost.AimLogger skipped 'test'"):
        logger.write("1:\tlearn: 0.2\ttest: ")
        logger.write("oops\tbest: 0.5 (0)\n")
    logger.write("seed = 3\n")
    logger.close()
    run = only_run(repo)
    assert series(run, "Loss", {"log": "learn"}) == ([0, 1], [0.25, 0.2])
    assert series(run, "Loss", {"log": "test"}) == ([0], [0.5])  # 'oops' at step 1 was skipped
    assert run["seed"] == 3.0
