"""Aggregate metric queries: the daemon groups the curves a query matches and reduces each group
to a line and a band at the steps its curves share; the figures equal numpy's over the same data."""

from __future__ import annotations

import numpy as np
import pytest

from aim import Repo, Run, errors
from aim._model.query import QueryReportMode, iter_query
from aim._transport.results import GroupStats

QUIET = {"system_tracking_interval": None, "capture_terminal_logs": False}
STEPS = 30


def curve(lr: float, seed: int) -> np.ndarray:
    return np.exp(-np.arange(STEPS) * lr) + np.random.default_rng(seed).normal(0, 0.1, STEPS)


@pytest.fixture(scope="module")
def filled(shared) -> dict[float, list[np.ndarray]]:
    """Three runs per lr, one of which lacks step 7 (so the common steps leave it out), and a run
    without params; returns the train curves by lr."""
    curves: dict[float, list[np.ndarray]] = {}
    for lr in (0.1, 0.01):
        for seed in range(3):
            values = curve(lr, seed)
            with Run(repo=str(shared), **QUIET) as run:
                run["hparams"] = {"lr": lr, "seed": seed}
                for step, value in enumerate(values.tolist()):
                    if seed == 2 and step == 7:
                        continue
                    run.track(value, name="loss", step=step, context={"subset": "train"})
                run.track(1.0, name="loss", step=0, context={"subset": "val"})
            curves.setdefault(lr, []).append(values)
    with Run(repo=str(shared), **QUIET) as run:
        for step in range(STEPS):
            run.track(2.0, name="loss", step=step, context={"subset": "train"})
    return curves


def groups(shared, query: str = 'metric.context.subset == "train"', **aggregate) -> dict[tuple, GroupStats]:
    items = iter_query(
        Repo(str(shared))._target, "metric", query, aggregate=aggregate, report_mode=QueryReportMode.DISABLED
    )
    return {tuple(g.values): g for g in items if isinstance(g, GroupStats)}


@pytest.mark.parametrize(
    "band, expected",
    [
        ("minmax", lambda m: (m.min(0), m.max(0))),
        ("std", lambda m: (m.mean(0) - m.std(0), m.mean(0) + m.std(0))),
        (
            "stderr",
            lambda m: (m.mean(0) - m.std(0, ddof=1) / np.sqrt(3), m.mean(0) + m.std(0, ddof=1) / np.sqrt(3)),
        ),
        (
            "ci95",
            lambda m: (
                m.mean(0) - 1.96 * m.std(0, ddof=1) / np.sqrt(3),
                m.mean(0) + 1.96 * m.std(0, ddof=1) / np.sqrt(3),
            ),
        ),
    ],
)
def test_bands_equal_numpys_over_the_common_steps(shared, filled, band, expected):
    found = groups(shared, group_by=["run.hparams.lr"], line="mean", band=band)
    assert set(found) == {(0.1,), (0.01,), (None,)}  # the run without params: a "none" group
    common = np.array([s for s in range(STEPS) if s != 7])
    for lr in (0.1, 0.01):
        group = found[(lr,)]
        matrix = np.stack(filled[lr])[:, common]
        assert group.curves == 3 and len(group.run_hashes) == 3
        assert group.common_steps == STEPS - 1 and group.steps.tolist() == common.tolist()
        np.testing.assert_allclose(group.line, matrix.mean(0))
        low, high = expected(matrix)
        np.testing.assert_allclose(group.low, low, rtol=1e-3 if band == "ci95" else 1e-9)
        np.testing.assert_allclose(group.high, high, rtol=1e-3 if band == "ci95" else 1e-9)
    assert found[(None,)].line.tolist() == [2.0] * STEPS


@pytest.mark.parametrize("line, reduce", [("median", np.median), ("min", np.min), ("max", np.max)])
def test_lines_and_several_fields(shared, filled, line, reduce):
    found = groups(shared, "", group_by=["metric.context.subset", "run.hparams.lr"], line=line, max_points=5)
    assert set(found) == {("train", 0.1), ("train", 0.01), ("train", None), ("val", 0.1), ("val", 0.01)}
    group = found[("train", 0.01)]
    assert group.low is None and len(group.steps) == 5  # evenly spread over the 29 common steps
    assert group.steps[0] == 0 and group.steps[-1] == STEPS - 1
    np.testing.assert_allclose(group.line, reduce(np.stack(filled[0.01])[:, group.steps], axis=0))


def test_no_grouping_is_one_group(shared, filled):
    assert list(groups(shared, group_by=[], band="minmax")) == [()]


@pytest.mark.parametrize(
    "aggregate, message",
    [
        ({"line": "average"}, "aggregate line 'average'"),
        ({"band": "iqr"}, "aggregate band 'iqr'"),
        ({"group_by": ["hparams.lr"]}, "cannot group by 'hparams.lr'"),
    ],
)
def test_a_bad_aggregation_is_refused_with_its_reason(shared, filled, aggregate, message):
    with pytest.raises(errors.AimError, match=message):
        groups(shared, **aggregate)
