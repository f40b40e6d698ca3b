"""Helpers shared by the tracked-object classes: input checks and duck-typed tensor conversion.

Nothing here imports numpy or PIL at module import; callers import them when they need them.
"""

from __future__ import annotations

import json
import operator
import os
from typing import Any

from aimproto.contract import MAX_CAPTION_BYTES


def is_torch(value: Any) -> bool:
    """True for a torch tensor (checked by its type's module, so torch is never imported)."""
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def torch_to_numpy(tensor: Any) -> Any:
    """A torch tensor's values as a numpy array (detached, on the CPU; bfloat16 and other types numpy
    lacks as float32). The array may share the tensor's memory."""
    tensor = tensor.detach().cpu()
    try:
        return tensor.numpy()
    except TypeError:
        return tensor.float().numpy()


def is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def read_file(path: str | os.PathLike) -> bytes:
    """The bytes of the file at path: FileNotFoundError when it is missing, IsADirectoryError for a
    directory (both name the path)."""
    with open(os.fspath(path), "rb") as f:
        return f.read()


def check_int(value: Any, name: str) -> int:
    """value as an int (numpy integers too; bool is refused): TypeError naming `name` otherwise."""
    if not isinstance(value, bool):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise TypeError(f"{name} must be an int, not {type(value).__name__}")


def check_caption(caption: Any) -> str:
    """A caption the daemon stores: a str of at most MAX_CAPTION_BYTES as JSON (checked here, in
    the caller's thread, so an object the daemon would refuse is never tracked)."""
    if not isinstance(caption, str):
        raise TypeError(f"caption must be a str, not {type(caption).__name__}")
    if len(caption) * 6 + 2 > MAX_CAPTION_BYTES:  # \uXXXX is the longest a char gets in JSON
        size = len(json.dumps(caption))
        if size > MAX_CAPTION_BYTES:
            raise ValueError(
                f"caption is {size} bytes as JSON, over the {MAX_CAPTION_BYTES} an object may carry"
            )
    return caption


class Captioned:
    """The caption of an object that has one (Image, Audio): a str, checked when set."""

    __slots__ = ("_caption",)

    @property
    def caption(self) -> str:
        return self._caption

    @caption.setter
    def caption(self, value: str) -> None:
        self._caption = check_caption(value)


def type_name(value: Any) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
