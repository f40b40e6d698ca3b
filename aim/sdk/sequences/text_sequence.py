"""`from aim.sdk.sequences.text_sequence import Texts`, as in Aim 3.x."""

from aim import Texts

__all__ = ["Texts"]
