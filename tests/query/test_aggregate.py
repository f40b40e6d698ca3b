"""Group statistics reduced as curves arrive (aimd.query.aggregate) equal numpy's over the whole
(curves x common steps) matrix: every line and band, missing values, steps some curves lack."""

from __future__ import annotations

import numpy as np
import pytest

from aimd.query.aggregate import BANDS, LINES, Z95, Aggregator, Spec


def _curves(rng: np.random.Generator, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    curves = []
    for i in range(count):
        steps = np.arange(0, 300, 1 + i % 3)  # every, every 2nd, every 3rd step: common steps are every 6th
        values = rng.normal(10.0 * (i % 2), 1.0 + i, len(steps))
        if i % 4 == 1:  # missing at some steps (the others take the update without masks)
            values[rng.random(len(steps)) < 0.05] = np.nan
        if i == 0:
            values[:12] = np.inf  # no finite value at the first steps for one curve
        curves.append((steps, values))
    return curves


def _expected(curves, line: str, band: str):
    common = np.arange(0, 300, 6)
    rows = np.stack([values[np.searchsorted(steps, common)] for steps, values in curves])
    rows[~np.isfinite(rows)] = np.nan
    lines = {"mean": np.nanmean, "median": np.nanmedian, "min": np.nanmin, "max": np.nanmax}
    n = np.isfinite(rows).sum(0)
    if band == "minmax":
        low, high = np.nanmin(rows, 0), np.nanmax(rows, 0)
    elif band:
        width = np.nanstd(rows, 0, ddof=0 if band == "std" else 1)
        if band != "std":
            width = width / np.sqrt(n) * (Z95 if band == "ci95" else 1.0)
        low, high = np.nanmean(rows, 0) - width, np.nanmean(rows, 0) + width
    else:
        low = high = None
    return common, lines[line](rows, 0), low, high


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("band", BANDS)
def test_streamed_statistics_equal_numpys(line: str, band: str):
    curves = _curves(np.random.default_rng(7), 40)
    reducer = Aggregator(Spec(["metric.name"], line, band, max_points=1000))
    for i, (steps, values) in enumerate(curves):
        reducer.add({"hash": f"run{i}"}, {}, "loss", {}, steps, values)
    (result,) = reducer.results()
    steps, want_line, want_low, want_high = _expected(curves, line, band)
    assert result.curves == 40 and len(result.run_hashes) == 40
    assert result.steps.tolist() == steps.tolist() and result.common_steps == len(steps)
    np.testing.assert_allclose(result.line, want_line, rtol=1e-9, atol=1e-12)
    if band:
        np.testing.assert_allclose(result.low, want_low, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(result.high, want_high, rtol=1e-9, atol=1e-12)
    else:
        assert result.low is None and result.high is None
