"""`from aim.sdk.sequences.metric import Metric`, as in Aim 3.x."""

from aim import Metric

__all__ = ["Metric"]
