"""`from aim.sdk.sequences.distribution_sequence import Distributions`, as in Aim 3.x."""

from aim import Distributions

__all__ = ["Distributions"]
