"""`from aim.sdk.metric import Metric`, as in Aim's documentation."""

from aim import Metric

__all__ = ["Metric"]
