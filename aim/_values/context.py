"""Contexts: the dict that tells apart sequences of one name, in its canonical, hashable forms."""

from __future__ import annotations

import json
import math
from typing import Any

from aimproto.contract import MAX_CONTEXT_BYTES, canonical_context

_SCALARS = (str, int, float, bool, type(None))


def _checked(value: Any, where: str) -> Any:
    """value checked, with its int dict keys made str (Aim takes int keys; JSON keys are str)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if type(key) is int:
                if str(key) in value:
                    raise ValueError(f"context has both keys {key!r} and {str(key)!r} in {where}")
                key = str(key)
            if not isinstance(key, str):
                raise TypeError(f"context keys must be str or int, got {key!r} in {where}")
            out[key] = _checked(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_checked(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"context values must be finite, got {value!r} at {where}")
    if not isinstance(value, _SCALARS):
        raise TypeError(
            f"context values must be JSON-like (None, bool, int, float, str, list, dict), "
            f"got {type(value).__name__} at {where}"
        )
    return value


def canonical(context: dict | None) -> str:
    """The canonical JSON of a context: sorted keys, no spaces; what the daemon stores."""
    if context is None:
        return "{}"
    if not isinstance(context, dict):
        raise TypeError(f"context must be a dict, not {type(context).__name__}")
    try:
        text = canonical_context(_checked(context, "context"))
    except RecursionError:
        raise ValueError("context is nested too deeply") from None
    if len(text.encode()) > MAX_CONTEXT_BYTES:
        raise ValueError(f"context is over {MAX_CONTEXT_BYTES} bytes as JSON")
    return text


def parse(text: str) -> dict:
    return json.loads(text)


class Context(dict):
    """A sequence's context: a read-only dict, equal and hashed by its canonical JSON.

    idx is stable across processes (Aim's Context.idx); a Context is accepted wherever a
    context dict is.
    """

    __slots__ = ("_canonical", "_idx")

    def __init__(self, context: dict | None = None) -> None:
        text = canonical(dict(context) if context is not None else None)
        super().__init__(parse(text))  # a deep copy, in canonical form
        self._canonical = text
        self._idx: int | None = None

    @classmethod
    def from_canonical(cls, text: str) -> Context:
        """The Context of canonical JSON the daemon sent; one shared (read-only) instance per text."""
        found = _BY_TEXT.get(text)
        if found is None:
            found = cls.__new__(cls)
            dict.__init__(found, parse(text))
            found._canonical, found._idx = text, None
            if len(_BY_TEXT) >= _MAX_SHARED:
                _BY_TEXT.clear()
            _BY_TEXT[text] = found
        return found

    @property
    def idx(self) -> int:
        if self._idx is None:
            import hashlib

            digest = hashlib.blake2b(self._canonical.encode(), digest_size=8).digest()
            self._idx = int.from_bytes(digest, "big", signed=True)
        return self._idx

    def to_dict(self) -> dict:
        return parse(self._canonical)

    def __hash__(self) -> int:  # type: ignore[override]  # dict's __hash__ is None; a Context is hashable
        return self.idx

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Context):
            return other._canonical == self._canonical
        if isinstance(other, dict):
            try:
                return canonical(other) == self._canonical
            except (TypeError, ValueError):
                return False
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __repr__(self) -> str:
        return f"<Context {self._canonical}>"

    __str__ = dict.__repr__  # print(metric.context) shows the plain dict

    def __reduce__(self) -> tuple:
        return Context, (self.to_dict(),)

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a Context is read-only: build a new one from a dict")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only


_MAX_SHARED = 4096
_BY_TEXT: dict[str, Context] = {}
