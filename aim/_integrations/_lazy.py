"""Lazy access to the integrations, and the ImportError that names a missing framework."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any


def require(
    modules: str | tuple[str, ...], *, package: str, extra: str, user: str, hint: str = ""
) -> ModuleType:
    """The first of modules that imports; an ImportError naming package and extra when none does."""
    missing = ""
    for module in (modules,) if isinstance(modules, str) else modules:
        try:
            return importlib.import_module(module)
        except ModuleNotFoundError as exc:
            missing = missing or str(exc.name)
    raise ImportError(
        f"{user} needs the {package!r} package (no module named {missing!r}): "
        f"pip install 'aim-tracker[{extra}]' or pip install {package}{hint}"
    )


def forward(module: str, target: str, names: Iterable[str]) -> Callable[[str], Any]:
    """A module __getattr__ that imports target (and so its framework) when one of names is asked."""
    wanted = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name in wanted:
            return getattr(importlib.import_module(target), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
