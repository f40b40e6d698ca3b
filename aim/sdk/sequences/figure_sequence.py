"""`from aim.sdk.sequences.figure_sequence import Figures`, as in Aim 3.x."""

from aim import Figures

__all__ = ["Figures"]
