"""Aim's documented import paths (aim.sdk, aim.sdk.run, aim.sdk.repo, ...): aliases of the public
classes; `from aim.sdk import Run` gives what `from aim import Run` gives."""

from aim import (  # noqa: F401  (re-exported through __all__)
    Audio,
    Audios,
    Distribution,
    Distributions,
    Figure,
    Figures,
    Image,
    Images,
    Metric,
    Repo,
    Run,
    Text,
    Texts,
)
from aim import __all__ as _public

__all__ = [name for name in _public if name not in ("Sequence", "errors")]  # what Aim's aim.sdk gives
