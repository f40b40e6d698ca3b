"""`from aim.sdk.distribution_sequence import Distributions`, as in Aim's documentation."""

from aim import Distributions

__all__ = ["Distributions"]
