"""`from aim.sdk.metric import Metric`, as in Aim's documentation (and Aim 3.0's collections)."""

from aim import Metric
from aim._model.collections import (
    MetricCollection,
    QueryMetricCollection,
    QueryRunMetricCollection,
    SingleRunMetricCollection,
)

__all__ = [
    "Metric",
    "MetricCollection",
    "QueryMetricCollection",
    "QueryRunMetricCollection",
    "SingleRunMetricCollection",
]
