"""Aim's documented import paths (aim.sdk, aim.sdk.run, aim.sdk.repo, ...): aliases of the public
classes; `from aim.sdk import Run` gives what `from aim import Run` gives."""

from aim import (
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

__all__ = [
    "Audio",
    "Audios",
    "Distribution",
    "Distributions",
    "Figure",
    "Figures",
    "Image",
    "Images",
    "Metric",
    "Repo",
    "Run",
    "Text",
    "Texts",
]
