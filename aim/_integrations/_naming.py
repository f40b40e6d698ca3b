"""Metric keys -> (name, context) by prefixes and postfixes, as Aim's loggers name them."""

from __future__ import annotations

from typing import Any


def subset_prefixes(train: str | None, val: str | None, test: str | None) -> dict[str, dict[str, str]]:
    """{'subset': {'train': train, ...}} for the prefixes given (a None or '' prefix is left out)."""
    subsets = {
        subset: prefix for subset, prefix in (("train", train), ("val", val), ("test", test)) if prefix
    }
    return {"subset": subsets} if subsets else {}


class ContextNaming:
    """Names a key: with prefixes {'subset': {'val': 'val_'}}, 'val_loss' is ('loss', {'subset': 'val'}).
    One prefix, then one postfix, per context key is stripped; the first that matches wins."""

    def __init__(
        self, prefixes: dict[str, dict[str, str]], postfixes: dict[str, dict[str, str]] | None = None
    ):
        self.prefixes, self.postfixes = prefixes, postfixes or {}

    def __call__(self, name: str) -> tuple[str, dict[str, Any]]:
        context: dict[str, Any] = {}
        for key, mapping in self.prefixes.items():
            for value, prefix in mapping.items():
                if prefix and name.startswith(prefix):
                    name, context[key] = name[len(prefix) :], value
                    break
        for key, mapping in self.postfixes.items():
            for value, postfix in mapping.items():
                if postfix and name.endswith(postfix):
                    name, context[key] = name[: -len(postfix)], value
                    break
        return name, context
