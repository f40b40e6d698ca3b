"""Aim's import path of the PyTorch integration (track_gradients_dists, track_params_dists).

PyTorch is imported when a name is first taken from here: pip install 'aim-tracker[pytorch]'.
"""

from typing import TYPE_CHECKING

from aim._integrations._lazy import forward

if TYPE_CHECKING:
    from aim._integrations.pytorch import track_gradients_dists, track_params_dists

__all__ = ["track_gradients_dists", "track_params_dists"]
__getattr__ = forward(__name__, "aim._integrations.pytorch", __all__)
