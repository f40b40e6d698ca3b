"""The rule every name, key and text a user gives must meet to travel: a str with a UTF-8 form."""

from __future__ import annotations


def check_utf8(text: str, what: str) -> None:
    """Raise ValueError naming what when text has no UTF-8 form (it holds a lone surrogate)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        raise ValueError(f"{what} is not valid Unicode (it holds a lone surrogate)") from None
