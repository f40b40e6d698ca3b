"""Run params: key paths (str, tuple of str, or ...) and the checks that make values plain."""

from __future__ import annotations

from typing import Any

ParamKey = Any  # str | tuple[str, ...] | type(Ellipsis)


def path_of(key: ParamKey) -> tuple[str, ...]:
    """('hparams', 'lr') for run['hparams', 'lr']; () for run[...]."""
    if key is Ellipsis:
        return ()
    if isinstance(key, str):
        return (key,)
    if isinstance(key, tuple) and key and all(isinstance(part, str) for part in key):
        return key
    raise TypeError(f"a params key is a str, a tuple of str or ..., not {key!r}")


def _label(path: tuple[str, ...]) -> str:
    return ".".join(path) if path else "..."


def plain(value: Any, path: tuple[str, ...] = ()) -> Any:
    """A copy of value made only of None, bool, int, float, str, bytes, list, tuple and dict.

    numpy scalars become Python numbers; OmegaConf configs (when omegaconf is installed) become
    plain containers. Anything else raises TypeError naming the key where it sits.
    """
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"param {_label(path)!r} has a key {key!r}: keys must be str")
            out[key] = plain(item, (*path, key))
        return out
    if isinstance(value, (list, tuple)):
        items = [plain(item, (*path, str(i))) for i, item in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    module = type(value).__module__ or ""
    if module == "numpy" and getattr(value, "ndim", None) == 0:
        return plain(value.item(), path)
    if module.startswith("omegaconf"):
        from omegaconf import OmegaConf

        return plain(OmegaConf.to_container(value, resolve=True), path)
    raise TypeError(
        f"param {_label(path)!r} is a {type(value).__name__}: params hold None, bool, int, float, "
        "str, bytes, and lists, tuples and dicts of those"
    )
