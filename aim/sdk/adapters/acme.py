"""Aim's import path of the Acme integration (AimCallback, AimWriter).

Acme is imported when a name is first taken from here: pip install 'aim-tracker[acme]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.acme import AimCallback, AimWriter

__all__ = ["AimCallback", "AimWriter"]
__getattr__ = forward(__name__, "aim._integrations.acme", __all__)
