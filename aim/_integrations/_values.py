"""Which logged values an integration tracks, and the one warning about those it skips.

Frameworks log whatever the user handed them. The rules, the same for every integration:
- a number is tracked: int, float, bool, a numpy or torch scalar, a one-element array or tensor;
  NaN and inf are numbers and are tracked (Run.track keeps them, and a loss gone NaN is news);
- anything else in a log is skipped: str, None, a nested dict, an array or tensor of several
  elements, a key that is not a str, a key that maps to the same (name, context) as an earlier key
  of the same log (after prefix stripping), a value or name that Run.track refuses;
- a param that Run cannot hold is stored as its str(); one it refuses outright is skipped.
The first skip of an integration object emits one RuntimeWarning naming the key and the reason;
later skips are counted, silently. Nothing here raises into the training loop.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from aim import Run
from aim.errors import AimError

Naming = Callable[[str], tuple[str, dict]]
_REFUSED = (TypeError, ValueError, AimError)


def number(value: Any) -> int | float:
    """value as a Python number; ValueError saying what it is when it is not one."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    what = type(value).__name__
    if value is None or isinstance(value, (str, bytes, Mapping)):
        raise ValueError(
            f"{'a nested dict' if isinstance(value, Mapping) else repr(value)[:40]} is not a number"
        )
    numel = getattr(value, "numel", None)  # torch.Tensor.size is a method; numel() counts
    size = numel() if callable(numel) else getattr(value, "size", None)
    item = getattr(value, "item", None)
    if size == 1 and callable(item):
        result = item()
        if isinstance(result, (bool, int, float)):
            return number(result)
    if isinstance(size, int) and size != 1:
        raise ValueError(f"a {what} of {size} elements is not a number")
    if isinstance(value, numbers.Real):
        return float(value)
    raise ValueError(f"a {what} is not a number")


def plain(value: Any) -> Any:
    """value as a params tree: dicts (str keys), lists, None, bool, int, float and str; other leaves
    become numbers when they are numeric scalars, else their str()."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    try:
        return number(value)
    except ValueError:
        return str(value)


def _as_is(key: str) -> tuple[str, dict]:
    return key, {}


class LogTracker:
    """Tracks the numbers of framework logs into a run, skipping the rest with one warning."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.skipped = 0
        self._warned = False

    def skip(self, key: Any, reason: str) -> None:
        """Count one skipped value; the first one of this tracker warns."""
        self.skipped += 1
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"{self.owner} skipped {key!r}: {reason}. It tracks numbers only; "
                "further skipped values are not reported",
                RuntimeWarning,
                stacklevel=3,
            )

    def track(
        self,
        run: Run,
        logs: Mapping[Any, Any],
        *,
        step: int | None = None,
        epoch: float | None = None,
        naming: Naming = _as_is,
    ) -> int:
        """Track each number of logs as naming(key) -> (name, context); returns how many were tracked."""
        seen: dict[tuple, str] = {}
        tracked = 0
        for key, value in logs.items():
            if not isinstance(key, str):
                self.skip(key, f"a {type(key).__name__} key is not a metric name")
                continue
            try:
                value = number(value)
            except ValueError as exc:
                self.skip(key, str(exc))
                continue
            name, context = naming(key)
            ident = (name, tuple(sorted(context.items())))
            if ident in seen:
                self.skip(key, f"it is tracked as {name!r} {context} like {seen[ident]!r} of the same log")
                continue
            seen[ident] = key
            try:
                run.track(value, name=name, step=step, epoch=epoch, context=context)  # type: ignore[arg-type]  # float epochs, as Aim takes them
            except _REFUSED as exc:
                self.skip(key, str(exc))
                continue
            tracked += 1
        return tracked

    def set_params(self, run: Run, path: tuple[str, ...], params: Mapping[Any, Any]) -> None:
        """run[path + (key,)] = plain(value) for each item of params; refused ones are skipped."""
        for key, value in params.items():
            try:
                run[path + (str(key),)] = plain(value)
            except _REFUSED as exc:
                self.skip(key, str(exc))
