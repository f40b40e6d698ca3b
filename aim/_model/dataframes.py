"""pandas DataFrames of metrics and runs (Metric.dataframe, Run.dataframe, the collections').

pandas is optional and imported here only, inside the functions that need it. The objects
passed in are read through their public surface only (metric.data, run.get, ...).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pandas import DataFrame

PARAMS_DEPTH = 3  # params and contexts unfold into columns this many keys deep; deeper as JSON


def pandas_module() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            "dataframe() needs pandas: pip install pandas (or pip install 'aim-tracker[pandas]')"
        ) from exc
    return pandas


def _flatten(tree: dict, prefix: str, depth: int = PARAMS_DEPTH) -> Iterator[tuple[str, Any]]:
    """(column, value) per leaf: 'prefix.a.b'; lists, and dicts below depth, as JSON text."""
    for key, value in tree.items():
        column = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value and depth > 1:
            yield from _flatten(value, column, depth - 1)
        elif isinstance(value, (dict, list, tuple)):
            yield column, json.dumps(value, default=str)
        else:
            yield column, value


def run_params(run: Any) -> dict:
    """The run's params as a dict ({} when none, or when they are not a dict)."""
    params = run.get(..., {})
    return params if isinstance(params, dict) else {}


def concat(frames: list[DataFrame]) -> DataFrame | None:
    """The frames one under the other, or None for none (as Aim)."""
    return pandas_module().concat(frames, ignore_index=True) if frames else None


def metric_frame(
    metric: Any,
    *,
    include_name: bool = False,
    include_context: bool = False,
    include_run: bool = False,
    only_last: bool = False,
    params: dict | None = None,
) -> DataFrame:
    """Metric.dataframe(); params: the run's params when the caller already has them."""
    pd = pandas_module()
    steps, (values, epochs, stamps) = metric.data.numpy()
    if only_last:
        steps, values, epochs, stamps = steps[-1:], values[-1:], epochs[-1:], stamps[-1:]
    data: dict[str, Any] = {
        "idx": list(range(len(steps))),
        "step": steps,
        "value": values,
        "epoch": epochs,  # NaN where no epoch was given
        "time": [datetime.datetime.fromtimestamp(t) for t in stamps.tolist()],  # local time, as Aim
    }
    if include_run:
        data["run.hash"] = metric.run.hash
        for column, value in _flatten(run_params(metric.run) if params is None else params, "run"):
            data.setdefault(column, value)
    if include_name:
        data["metric.name"] = metric.name
    if include_context:
        for column, value in _flatten(metric.context.to_dict(), "metric.context"):
            data[column] = value
    return pd.DataFrame(data)


def run_frame(
    run: Any,
    *,
    include_props: bool = True,
    include_params: bool = True,
    props: dict | None = None,
    params: dict | None = None,
) -> DataFrame:
    """Run.dataframe(): one row with the run's hash, props and params; props, params: fresh
    ones at hand (else fetched)."""
    pd = pandas_module()
    props = run._fresh_props() if props is None else props
    data: dict[str, Any] = {"hash": run.hash}
    if include_props:
        for field in ("name", "description", "archived", "creation_time", "end_time", "active", "experiment"):
            data[field] = props[field]
        data["tags"] = json.dumps(list(props["tags"]))
    if include_params:
        for column, value in _flatten(run_params(run) if params is None else params, ""):
            data.setdefault(column, value)
    return pd.DataFrame(data, index=[0])
