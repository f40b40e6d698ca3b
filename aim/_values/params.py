"""Run params: key paths (str, tuple of str, or ...) and the checks that make values plain.

A params tree is stored leaf by leaf under its key path, so every key on the way to a leaf (the
keys of run['a', 'b'] and those of nested dicts) must be a non-empty str without NUL, of at most
MAX_KEY_CHARS chars; an int key is stored as its str (and reads back so). Keys of dicts inside
lists or tuples are stored with the value and only need to be str (or int, made str). A leaf sits
at most MAX_DEPTH keys and list items below the root of the tree: deeper trees do not fit the wire
format's nesting limit (3 messages a level, 100 in all). Such input is refused here, in the
caller's thread.
"""

from __future__ import annotations

from typing import Any

from aim._values.text import check_utf8
from aimproto.contract import MAX_PARAM_DEPTH, MAX_PARAM_KEY_CHARS

ParamKey = Any  # str | tuple[str, ...] | type(Ellipsis)

MAX_KEY_CHARS = MAX_PARAM_KEY_CHARS
MAX_DEPTH = MAX_PARAM_DEPTH


def _label(path: tuple[str, ...]) -> str:
    return ".".join(path) if path else "..."


def _check_key(key: str, path: tuple[str, ...]) -> None:
    """key, the last part of path, can be one step of a stored key path."""
    if not key or len(key) > MAX_KEY_CHARS or "\x00" in key:
        raise ValueError(
            f"param key {key[:40]!r} in {_label(path)!r} must be 1..{MAX_KEY_CHARS} chars without NUL"
        )
    check_utf8(key, f"param key {key[:40]!r} in {_label(path)!r}")


def _check_depth(path: tuple[str, ...]) -> None:
    if len(path) > MAX_DEPTH:
        raise ValueError(
            f"param {_label(path)[:60]!r} is nested deeper than {MAX_DEPTH} levels (keys and list items)"
        )


def path_of(key: ParamKey) -> tuple[str, ...]:
    """('hparams', 'lr') for run['hparams', 'lr']; () for run[...]."""
    if key is Ellipsis:
        return ()
    if isinstance(key, str):
        path: tuple[str, ...] = (key,)
    elif isinstance(key, tuple) and key and all(isinstance(part, str) for part in key):
        path = key
    else:
        raise TypeError(f"a params key is a str, a tuple of str or ..., not {key!r}")
    _check_depth(path)
    for depth in range(1, len(path) + 1):
        _check_key(path[depth - 1], path[:depth])
    return path


def _int_key(key: int, tree: dict, path: tuple[str, ...]) -> str:
    """An int key as the str it is stored as (Aim takes int keys, e.g. id2label maps), unless the
    dict also has that str key."""
    text = str(key)
    if text in tree:
        raise ValueError(f"param {_label(path)!r} has both keys {key!r} and {text!r}")
    return text


def plain(value: Any, path: tuple[str, ...] = (), *, in_tree: bool = True, strict: bool = True) -> Any:
    """A copy of value made only of None, bool, int, float, str, bytes, list and dict (a tuple
    becomes a list, as in Aim).

    numpy scalars become Python numbers; OmegaConf configs (when omegaconf is installed) become
    plain containers. Anything else raises TypeError naming the key where it sits (with
    strict=False it is stored as its repr(), as Aim does); a key the store cannot hold, or a str
    that is not valid Unicode, raises ValueError. in_tree: whether the keys of a dict value become
    parts of the stored key path (False inside lists).
    """
    if value is None or isinstance(value, (bool, int, float, bytes)):
        return value
    if isinstance(value, str):
        check_utf8(value, f"param {_label(path)!r}")
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if type(key) is int:
                key = _int_key(key, value, path)
            if not isinstance(key, str):
                raise TypeError(f"param {_label(path)!r} has a key {key!r}: keys must be str or int")
            sub = (*path, key)
            _check_depth(sub)
            if in_tree:
                _check_key(key, sub)
            else:
                check_utf8(key, f"param key {key[:40]!r} in {_label(path)!r}")
            out[key] = plain(item, sub, in_tree=in_tree, strict=strict)
        return out
    if isinstance(value, (list, tuple)):
        if value:
            _check_depth((*path, "0"))
        return [plain(item, (*path, str(i)), in_tree=False, strict=strict) for i, item in enumerate(value)]
    module = type(value).__module__ or ""
    if module == "numpy" and getattr(value, "ndim", None) == 0:
        return plain(value.item(), path, in_tree=in_tree, strict=strict)
    if module.startswith("omegaconf"):
        from omegaconf import OmegaConf

        return plain(OmegaConf.to_container(value, resolve=True), path, in_tree=in_tree, strict=strict)
    if not strict:
        return plain(repr(value), path, in_tree=in_tree)
    raise TypeError(
        f"param {_label(path)!r} is a {type(value).__name__}: params hold None, bool, int, float, "
        "str, bytes, and lists, tuples and dicts of those"
    )
