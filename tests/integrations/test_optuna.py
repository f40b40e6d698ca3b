"""Optuna's AimCallback: one run for the study, or one run per trial."""

from __future__ import annotations

from pathlib import Path

import pytest

optuna = pytest.importorskip("optuna", reason="optuna is not installed (aim-tracker[optuna])")

from aim.optuna import AimCallback  # noqa: E402
from tests.integrations.helpers import only_run, series, stored_runs  # noqa: E402

pytestmark = pytest.mark.frameworks


def _objective(trial):
    x = trial.suggest_float("x", -2.0, 2.0)
    trial.suggest_categorical("kind", ["a", "b"])  # not a number: skipped from the metrics
    return (x - 1.0) ** 2


def _study():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(study_name="quad", sampler=optuna.samplers.RandomSampler(seed=0))


def test_one_run_tracks_the_study(repo: Path):
    callback = AimCallback(metric_name="score", repo=str(repo), experiment_name="opt")
    study = _study()
    with pytest.warns(RuntimeWarning, match="aim.optuna.AimCallback skipped 'kind'"):
        study.optimize(_objective, n_trials=4, callbacks=[callback])
    callback.close()

    run = only_run(repo)
    assert run.experiment == "opt" and run["study_name"] == "quad"
    assert run["hparams", "direction"] == ["MINIMIZE"]
    steps, scores = series(run, "score")
    assert steps == [0, 1, 2, 3]
    assert scores == pytest.approx([t.value for t in study.trials])
    assert series(run, "x")[1] == pytest.approx([t.params["x"] for t in study.trials])


def test_multirun_makes_one_run_per_trial_with_params(repo: Path):
    callback = AimCallback(as_multirun=True, repo=str(repo))

    @callback.track_in_aim()
    def objective(trial):
        value = _objective(trial)
        callback.experiment.track(value, name="inside")  # the trial's run is open in the objective
        return value

    study = _study()
    study.optimize(objective, n_trials=3, callbacks=[callback])
    runs = stored_runs(repo)
    assert [r.name for r in runs] == ["trial-0", "trial-1", "trial-2"]
    for run, trial in zip(runs, study.trials, strict=True):
        assert run["value"] == pytest.approx(trial.value) and run["trial_number"] == trial.number
        assert (
            run["hparams", "x"] == pytest.approx(trial.params["x"])
            and run["hparams", "kind"] == trial.params["kind"]
        )
        assert series(run, "inside")[1] == pytest.approx([trial.value])


def test_names_must_match_the_objectives():
    with pytest.raises(TypeError, match="metric_name"):
        AimCallback(metric_name=3, as_multirun=True)
