"""Acme's AimCallback and AimWriter, written to through Acme's own logger plumbing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integrations.helpers import only_run, series

pytest.importorskip("acme.utils.loggers", reason="Acme is not installed (aim-tracker[acme])")

from acme.utils import loggers  # noqa: E402

from aim.acme import AimCallback, AimWriter  # noqa: E402

pytestmark = pytest.mark.frameworks


def test_acme_loggers_write_into_the_run_by_label(repo: Path):
    callback = AimCallback(
        repo=str(repo),
        experiment_name="acme",
        args={"lr": 0.1, "agent": "dqn"},
        system_tracking_interval=None,
    )
    writer = AimWriter(callback.experiment, logger_label="learner", steps_key="steps", task_id=0)
    logger = loggers.Dispatcher([writer], serialize_fn=loggers.to_numpy)
    with pytest.warns(RuntimeWarning, match="aim.acme.AimWriter skipped 'note'"):
        for step in range(3):
            logger.write({"loss": 1.0 / (step + 1), "steps": step, "note": "text"})
    callback.track({"return": 7.5}, step=3, context={"subset": "eval"})
    logger.close()

    run = only_run(repo)
    assert run.experiment == "acme" and run["lr"] == 0.1 and run["agent"] == "dqn"
    assert series(run, "loss", {"logger_label": "learner"}) == ([0, 1, 2], [1.0, 0.5, 1 / 3])
    assert series(run, "steps", {"logger_label": "learner"})[1] == [0, 1, 2]
    assert series(run, "return", {"subset": "eval"}) == ([3], [7.5])
