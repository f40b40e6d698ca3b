"""Aim's import path of the fastai integration (AimCallback).

fastai is imported when a name is first taken from here: pip install 'aim-tracker[fastai]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.fastai import AimCallback

__all__ = ["AimCallback"]
__getattr__ = forward(__name__, "aim._integrations.fastai", __all__)
