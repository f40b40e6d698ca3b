"""The explorers' server side: a metric query's group statistics, reduced in the daemon
(aimd.query.aggregate), as JSON for the metrics explorer's bands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aim import tools
from aim._transport.results import GroupStats
from aim.web.data import column, run_summary, table_params

if TYPE_CHECKING:
    from aim import Repo

MAX_GROUP_POINTS = 10_000


def fields(text: str) -> list[str]:
    """Grouping fields from an address parameter: comma-separated, blanks dropped."""
    return [f.strip() for f in text.split(",") if f.strip()]


def metric_groups(
    repo: Repo, query: str, group_by: list[str], *, line: str = "mean", band: str = "", max_points: int = 1000
) -> dict[str, Any]:
    """The groups of the metrics a query matches, by the values of group_by: per group its
    values, runs, curve count, common steps, and the line and band at (at most max_points of)
    those steps; and the runs (with params) for the page's key and table."""
    max_points = min(max(int(max_points), 2), MAX_GROUP_POINTS)
    aggregate = {"group_by": group_by, "line": line, "band": band, "max_points": max_points}
    runs: dict[str, Any] = {}
    groups = []
    for item in tools.aggregate_metrics(repo, query, aggregate):
        if isinstance(item, GroupStats):
            groups.append(
                {
                    "values": item.values,
                    "runs": item.run_hashes,
                    "curves": item.curves,
                    "common_steps": item.common_steps,
                    "steps": column(item.steps),
                    "line": column(item.line),
                    "low": None if item.low is None else column(item.low),
                    "high": None if item.high is None else column(item.high),
                }
            )
        else:
            params, _ = table_params(item.props.pop("params", None) or {})
            runs[item.props["hash"]] = {**run_summary(item.props), "params": params}
    return {"group_by": group_by, "line": line, "band": band, "groups": groups, "runs": runs}
