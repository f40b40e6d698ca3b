"""Group statistics of metric curves, computed where the points are (the metrics explorer's
aggregation): the curves a query matches are grouped by the values of some fields, and each
group is reduced to a line (mean, median, min or max) and a band (min-max, or the mean plus or
minus the std dev, the std error or a 95 % confidence half-width) at the steps that every curve
of the group has (common steps), at most max_points of them, evenly spread.

The std dev is the population one (numpy's default, ddof=0); the std error and the confidence
interval use the sample std dev (ddof=1) over the number of finite values at the step.
NaN and infinite values count as missing at their step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aimd.errors import InvalidInput

LINES = ("mean", "median", "min", "max")
BANDS = ("", "minmax", "std", "stderr", "ci95")
RUN_PROPS = ("hash", "name", "experiment", "tags", "archived")
MAX_FIELDS = 16
MAX_FIELD_CHARS = 200
DEFAULT_POINTS = 1000
Z95 = 1.959963984540054  # the normal distribution's 97.5th percentile


@dataclass
class Spec:
    """What a client asked to aggregate (checked: InvalidInput names what is wrong)."""

    group_by: list[str]
    line: str = "mean"
    band: str = ""
    max_points: int = DEFAULT_POINTS

    def __post_init__(self) -> None:
        self.line = self.line or "mean"
        if self.line not in LINES:
            raise InvalidInput(f"aggregate line {self.line!r} is none of {', '.join(LINES)}")
        if self.band not in BANDS:
            raise InvalidInput(f"aggregate band {self.band!r} is none of {', '.join(b for b in BANDS if b)}")
        if len(self.group_by) > MAX_FIELDS:
            raise InvalidInput(f"group by at most {MAX_FIELDS} fields")
        for name in self.group_by:
            if len(name) > MAX_FIELD_CHARS or not name.startswith(("run.", "metric.")) or name.endswith("."):
                raise InvalidInput(f"cannot group by {name[:80]!r}: a field is metric.<...> or run.<...>")
        self.max_points = self.max_points or DEFAULT_POINTS
        if self.max_points < 2:
            raise InvalidInput("aggregate max_points must be 0 (the default) or at least 2")


def field_value(name: str, props: dict[str, Any], params: Any, metric: str, context: dict[str, Any]) -> Any:
    """The value of a grouping field for one curve; None when its run or context has none."""
    if name == "metric.name":
        return metric
    if name == "metric.context":
        return json.dumps(context, sort_keys=True) if context else None
    if name.startswith("metric.context."):
        return context.get(name.removeprefix("metric.context."))
    if not name.startswith("run."):
        return None
    path = name.removeprefix("run.")
    if path in RUN_PROPS:
        value = props.get(path)
        return list(value or ()) if path == "tags" else value
    node = params
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class Running:
    """Per-step statistics of the curves added so far, at the steps they all have: count of finite
    values, mean and sum of squared deviations (Welford's update, numerically as good as numpy's
    two passes), min and max. Memory is a few arrays of one curve's length, however many curves."""

    def __init__(self, steps: np.ndarray) -> None:
        self.steps = steps
        self.n = np.zeros(len(steps), np.int64)
        self.mean = np.zeros(len(steps), np.float64)
        self.m2 = np.zeros(len(steps), np.float64)
        self.low = np.full(len(steps), np.inf)
        self.high = np.full(len(steps), -np.inf)

    def add(self, steps: np.ndarray, values: np.ndarray) -> None:
        """One curve (steps ascending, unique); steps the curve lacks leave the common steps."""
        if not (steps is self.steps or (len(steps) == len(self.steps) and np.array_equal(steps, self.steps))):
            common = np.intersect1d(self.steps, steps, assume_unique=True)
            if len(common) != len(self.steps):
                keep = np.searchsorted(self.steps, common)
                self.steps, self.n, self.mean = common, self.n[keep], self.mean[keep]
                self.m2, self.low, self.high = self.m2[keep], self.low[keep], self.high[keep]
            values = values[np.searchsorted(steps, self.steps)]
        finite = np.isfinite(values)
        if finite.all():  # the usual curve: the same update without masks, half the work
            self.n += 1
            delta = values - self.mean
            self.mean += delta / self.n
            self.m2 += delta * (values - self.mean)
            np.minimum(self.low, values, out=self.low)
            np.maximum(self.high, values, out=self.high)
            return
        x = np.where(finite, values, 0.0)
        self.n += finite
        delta = np.where(finite, x - self.mean, 0.0)
        self.mean += delta / np.maximum(self.n, 1)
        self.m2 += delta * np.where(finite, x - self.mean, 0.0)
        np.minimum(self.low, np.where(finite, x, np.inf), out=self.low)
        np.maximum(self.high, np.where(finite, x, -np.inf), out=self.high)

    def reduce(
        self, picked: np.ndarray, line: str, band: str
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """(line, low, high) at the common steps' indices picked; line is not the median."""
        n, mean, m2 = self.n[picked], self.mean[picked], self.m2[picked]
        lows, highs = self.low[picked], self.high[picked]
        out = {"mean": mean, "min": lows, "max": highs}[line].copy()
        low = high = None
        if band == "minmax":
            low, high = lows.copy(), highs.copy()
        elif band:
            width = band_width(m2, n, band)
            low, high = mean - width, mean + width
        return _blank_empty(n, out, low, high)


def band_width(m2: np.ndarray, n: np.ndarray, band: str) -> np.ndarray:
    """Half-width of a std, stderr or ci95 band from each step's sum of squared deviations m2
    over its n finite values."""
    ddof = 0 if band == "std" else 1
    with np.errstate(all="ignore"):
        width = np.sqrt(m2 / np.maximum(n - ddof, 1))
        if band != "std":
            width = np.where(n > 1, width / np.sqrt(np.maximum(n, 1)), 0.0)
            if band == "ci95":
                width = width * Z95
    return width


def _blank_empty(
    n: np.ndarray, out: np.ndarray, low: np.ndarray | None, high: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """NaN where no curve had a finite value."""
    empty = n == 0
    for array in (out, low, high):
        if array is not None:
            array[empty] = np.nan
    return out, low, high


@dataclass
class Group:
    values: tuple[str, ...]
    run_hashes: list[str] = field(default_factory=list)
    count: int = 0  # curves
    running: Running | None = None  # every line but the median
    curves: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # the median's: (steps, values)


@dataclass
class GroupResult:
    values: tuple[str, ...]
    run_hashes: list[str]
    curves: int
    common_steps: int
    steps: np.ndarray
    line: np.ndarray
    low: np.ndarray | None
    high: np.ndarray | None


def common_steps(curves: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The steps every curve has."""
    steps = curves[0][0]
    for other, _ in curves[1:]:
        if other is steps or (len(other) == len(steps) and np.array_equal(other, steps)):
            continue  # the common case, without intersect1d's sort
        steps = np.intersect1d(steps, other, assume_unique=True)
    return steps


def aligned(curves: list[tuple[np.ndarray, np.ndarray]], steps: np.ndarray) -> np.ndarray:
    """A (curves x steps) float matrix of each curve's values at steps (which all curves have);
    non-finite values as NaN."""
    rows = np.empty((len(curves), len(steps)), np.float64)
    for i, (own_steps, values) in enumerate(curves):
        rows[i] = values[np.searchsorted(own_steps, steps)]
    rows[~np.isfinite(rows)] = np.nan
    return rows


def spread(count: int, max_points: int) -> np.ndarray:
    """Indices of at most max_points of count items, evenly spread, first and last kept."""
    if count <= max_points:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, max_points).round().astype(np.int64))


def median(rows: np.ndarray, band: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(median line, low, high) of a (curves x steps) matrix with NaN for missing values: the
    median needs every value, so its group keeps its curves."""
    finite = np.isfinite(rows)
    n = finite.sum(axis=0)
    out = np.full(rows.shape[1], np.nan)
    cols = n > 0
    if cols.any():
        out[cols] = np.nanmedian(rows[:, cols], axis=0)
    low = high = None
    with np.errstate(all="ignore"):
        if band == "minmax":
            low = np.where(finite, rows, np.inf).min(axis=0)
            high = np.where(finite, rows, -np.inf).max(axis=0)
        elif band:
            safe = np.where(finite, rows, 0.0)
            mean = safe.sum(axis=0) / np.maximum(n, 1)
            m2 = (np.where(finite, rows - mean, 0.0) ** 2).sum(axis=0)
            width = band_width(m2, n, band)
            low, high = mean - width, mean + width
    return _blank_empty(n, out, low, high)


class Aggregator:
    """Reduces the curves of the runs a metric query matches, grouped, as they arrive (a median's
    group keeps its curves); gives each group's statistics at the end."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.groups: dict[tuple[str, ...], Group] = {}

    def add(
        self, props: dict[str, Any], params: Any, name: str, context: dict[str, Any], steps: Any, values: Any
    ) -> None:
        """One curve of a run (steps ascending)."""
        key = tuple(
            json.dumps(field_value(f, props, params, name, context), sort_keys=True, default=str)
            for f in self.spec.group_by
        )
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key)
        if not group.run_hashes or group.run_hashes[-1] != props["hash"]:
            group.run_hashes.append(props["hash"])
        steps, values = np.asarray(steps, np.int64), np.asarray(values, np.float64)
        group.count += 1
        if self.spec.line == "median":
            if group.curves and np.array_equal(group.curves[-1][0], steps):
                steps = group.curves[-1][0]  # one array for the steps curves share: half the memory
            group.curves.append((steps, values))
        elif group.running is None:
            group.running = Running(steps.copy())
            group.running.add(group.running.steps, values)
        else:
            group.running.add(steps, values)

    def results(self) -> list[GroupResult]:
        """Every group's statistics, in the order the groups were first seen."""
        out = []
        for group in self.groups.values():
            if group.running is not None:
                steps = group.running.steps
                indices = spread(len(steps), self.spec.max_points)
                line, low, high = group.running.reduce(indices, self.spec.line, self.spec.band)
                picked = steps[indices]
            else:
                steps = common_steps(group.curves)
                picked = steps[spread(len(steps), self.spec.max_points)]
                line, low, high = median(aligned(group.curves, picked), self.spec.band)
            out.append(
                GroupResult(group.values, group.run_hashes, group.count, len(steps), picked, line, low, high)
            )
        return out
