"""`from aim.sdk.text_sequence import Texts`, as in Aim's documentation."""

from aim import Texts

__all__ = ["Texts"]
