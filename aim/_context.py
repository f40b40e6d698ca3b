"""Contexts: the dict that tells apart sequences of one name, in its canonical, hashable forms."""

from __future__ import annotations

import json
import math
from typing import Any

MAX_CONTEXT_BYTES = 4096
_SCALARS = (str, int, float, bool, type(None))


def _check(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"context keys must be str, got {key!r} in {where}")
            _check(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check(item, f"{where}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"context values must be finite, got {value!r} at {where}")
    elif not isinstance(value, _SCALARS):
        raise TypeError(
            f"context values must be JSON-like (None, bool, int, float, str, list, dict), "
            f"got {type(value).__name__} at {where}"
        )


def canonical(context: dict | None) -> str:
    """The canonical JSON of a context: sorted keys, no spaces; what the daemon stores."""
    if context is None:
        return "{}"
    if not isinstance(context, dict):
        raise TypeError(f"context must be a dict, not {type(context).__name__}")
    try:
        _check(context, "context")
        text = json.dumps(context, sort_keys=True, separators=(",", ":"))
    except RecursionError:
        raise ValueError("context is nested too deeply") from None
    if len(text.encode()) > MAX_CONTEXT_BYTES:
        raise ValueError(f"context is over {MAX_CONTEXT_BYTES} bytes as JSON")
    return text


def parse(text: str) -> dict:
    return json.loads(text)
