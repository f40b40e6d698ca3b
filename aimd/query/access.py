"""Reach guards of AimQL: what a query can get from a value, and how it iterates over one.

Attribute, item and key access on views and data; the whitelisted methods of str, dict, list, tuple
and datetime (wrapped with the size checks where they allocate); counted iteration, unpacking and
materializing; and the module-level guards that need no budget (params paths, `is`).
Functions, classes and modules have no attributes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from aimd.query.budget import Budget, QueryForbidden
from aimd.query.safe_builtins import MathFunctions
from aimd.query.sizes import ABSENT, DATA, ENTRY_UNITS, INTS, SEQUENCES, SIZED, VIEWS, cost, type_name, weight
from aimd.query.views import (
    MISSING_VIEW,
    RUN_ATTRIBUTES,
    SEQUENCE_ATTRIBUTES,
    Missing,
    ParamRef,
    RunMetrics,
    RunView,
    SequenceView,
)

DICT_METHODS = frozenset({"keys", "values", "items", "get"})

# str methods by cost: "scan" returns a scalar, "copy" a string about as long, "split" a list of
# pieces; join and replace have their own size checks.
_STR_METHODS = {
    **dict.fromkeys(
        (
            "startswith endswith find rfind count index rindex isdigit isalpha isalnum isspace "
            "islower isupper"
        ).split(),
        "scan",
    ),
    **dict.fromkeys(
        "lower upper strip lstrip rstrip title capitalize casefold removeprefix removesuffix".split(),
        "copy",
    ),
    **dict.fromkeys("split rsplit splitlines partition rpartition".split(), "split"),
    "join": "join",
    "replace": "replace",
}
_DATE_FIELDS = ("year", "month", "day")
_TIME_FIELDS = ("hour", "minute", "second", "microsecond")
_DATE_METHODS = ("weekday", "isoweekday", "isoformat")
_ATTRIBUTES: dict[type, frozenset[str]] = {
    datetime: frozenset((*_DATE_FIELDS, *_TIME_FIELDS, *_DATE_METHODS, "date", "timestamp")),
    date: frozenset((*_DATE_FIELDS, *_DATE_METHODS)),
    timedelta: frozenset(("days", "seconds", "microseconds", "total_seconds")),
}
_CLASS_ATTRIBUTES = frozenset({"now", "utcnow", "fromtimestamp", "utcfromtimestamp"})


def _forbidden_attribute(obj: Any, name: str) -> QueryForbidden:
    return QueryForbidden(f"attribute '{name}' of {type_name(obj)} is not allowed in queries")


# --- module-level guards (need no budget) -------------------------------------------------------
def resolve(value: Any) -> Any:
    """`_resolve_`: the value of a params reference at the end of an access chain."""
    if type(value) is ParamRef:
        return value.run.param(value.path)
    return value


def param(run: Any, path: tuple[str, ...]) -> Any:
    """`_param_`: the value at a constant params path (`run.hparams.lr` compiles to this)."""
    if type(run) is RunView:
        return run.param(path)
    raise TypeError("params paths apply to a run")


def ref(run: Any, path: tuple[str, ...]) -> ParamRef:
    """`_ref_`: a lazy reference to a constant params path, followed by dynamic links."""
    if type(run) is RunView:
        return ParamRef(run, path)
    raise TypeError("params paths apply to a run")


def is_(a: Any, b: Any) -> bool:
    """`is`, with Missing standing for None."""
    if a is MISSING_VIEW:
        a = None
    if b is MISSING_VIEW:
        b = None
    return a is b


def is_not(a: Any, b: Any) -> bool:
    return not is_(a, b)


def _str_keys(key: Any) -> bool:
    return type(key) is tuple and len(key) > 0 and all(type(k) is str for k in key)


# --- the per-query guards: access ---------------------------------------------------------------
class AccessGuards:
    """Attribute, item and key access, data methods and iteration of one query, bound to its budget.

    A mixin of Sandbox: _limit_weight comes from OperatorGuards through self.
    """

    budget: Budget

    # -- access ---------------------------------------------------------------------------------
    def getattr_(self, obj: Any, name: str) -> Any:
        t = type(obj)
        if t is ParamRef:
            if name in DICT_METHODS:
                return self.getattr_(obj.load(), name)
            return ParamRef(obj.run, (*obj.path, name))
        if t is RunView:
            if name in RUN_ATTRIBUTES:
                return obj.attribute(name)
            return ParamRef(obj, (name,))
        if t is Missing:
            return MISSING_VIEW
        if t is SequenceView:
            if name in SEQUENCE_ATTRIBUTES:
                return obj.attribute(name)
            available = ", ".join(sorted(SEQUENCE_ATTRIBUTES))
            raise QueryForbidden(f"a sequence has no attribute '{name}'; it has: {available}")
        if t is dict:
            if name in DICT_METHODS:
                return self._dict_method(obj, name)
            value = obj.get(name, ABSENT)
            if value is not ABSENT:
                return value
            if hasattr(dict, name):
                raise QueryForbidden(
                    f"method '{name}' of dict is not allowed in queries (for a key of that name: ['{name}'])"
                )
            return MISSING_VIEW
        if t is str:
            kind = _STR_METHODS.get(name)
            if kind is not None:
                return self._str_method(obj, name, kind)
        elif t is list or t is tuple:
            if name == "index" or name == "count":
                return self._list_method(obj, name)
        elif t in _ATTRIBUTES:
            if name in _ATTRIBUTES[t]:
                return getattr(obj, name)
        elif t is MathFunctions:
            if name in MathFunctions.NAMES:
                return getattr(math, name)
            available = ", ".join(sorted(MathFunctions.NAMES))
            raise QueryForbidden(f"math.{name} is not allowed in queries; math has: {available}")
        elif obj is datetime:
            if name in _CLASS_ATTRIBUTES:
                return getattr(datetime, name)
            raise _forbidden_attribute(obj, name)
        if t in DATA and not hasattr(obj, name):
            return MISSING_VIEW
        raise _forbidden_attribute(obj, name)

    def getitem_(self, obj: Any, key: Any) -> Any:
        t = type(obj)
        if t is ParamRef:
            if type(key) is str:
                return ParamRef(obj.run, (*obj.path, key))
            if _str_keys(key):
                return ParamRef(obj.run, obj.path + key)
            return self.getitem_(obj.load(), key)
        if t is RunView:
            if type(key) is str:
                return obj.attribute(key) if key in RUN_ATTRIBUTES else ParamRef(obj, (key,))
            if _str_keys(key):
                return ParamRef(obj, key)
            raise TypeError("run[...] takes a params key or a tuple of params keys")
        if t is Missing:
            return MISSING_VIEW
        if t is dict:
            self.key_(key)
            value = obj.get(key, ABSENT)
            return MISSING_VIEW if value is ABSENT else value
        if t is RunMetrics:
            self.key_(key)
            return obj.lookup(key)
        if t in SEQUENCES or t is range:
            if type(key) is slice:
                size = len(range(*key.indices(len(obj))))
                if t is not range:
                    self.budget.allocate(size)
            return obj[key]
        raise TypeError(f"{type_name(obj)} is not subscriptable")

    def key_(self, key: Any) -> Any:
        """`_key_`: charge hashing a computed key (a tuple hashes every nested item, uncached)."""
        t = type(key)
        if t is tuple:
            budget = self.budget
            self._limit_weight(weight(key, budget.max_items, budget), "a key")
            budget.work(cost(key, budget.max_work, budget), "hashing a key")
        elif t is int and key.bit_length() > 4096:
            self.budget.spend(key.bit_length() >> 6)
        return key

    # -- methods of data values ------------------------------------------------------------------
    def _dict_method(self, d: dict, name: str) -> Any:
        if name != "get":
            return getattr(d, name)

        def get(key: Any, default: Any = None) -> Any:
            self.key_(key)
            return d.get(key, default)

        return get

    def _list_method(self, seq: list | tuple, name: str) -> Callable[..., Any]:
        method = getattr(seq, name)

        def call(*args: Any) -> Any:
            budget = self.budget
            size = weight(seq, budget.max_items, budget)
            if args:
                size += weight(args[0], budget.max_items, budget)
            self._limit_weight(size, "a list search")
            if args:
                self._charge_scan(args[0], seq, "a list search")
            return method(*args)

        return call

    def _str_method(self, s: str, name: str, kind: str) -> Callable[..., Any]:
        method = getattr(s, name)
        budget = self.budget
        if kind == "join":
            return lambda iterable: self._join(s, iterable)
        if kind == "replace":
            return lambda old, new, count=-1: self._replace(s, old, new, count)

        def call(*args: Any, **kwargs: Any) -> Any:
            if kind == "scan":
                work = len(s)
                if args and type(args[0]) is tuple:  # startswith(('a', 'b')): one scan per prefix
                    work *= max(len(args[0]), 1)
                    budget.limit(work >> 6, "a string search")
                budget.spend(work)
                return method(*args, **kwargs)
            budget.allocate(len(s) + 1)
            result = method(*args, **kwargs)
            if kind == "copy":
                budget.limit(len(result), "a string")
            return result

        return call

    def _join(self, sep: str, iterable: Any) -> str:
        parts = self._materialize(iterable)
        size = sum(len(p) if type(p) is str else 0 for p in parts) + len(sep) * max(len(parts) - 1, 0)
        self.budget.limit(size, "a string")
        self.budget.allocate(size)
        return sep.join(parts)

    def _replace(self, s: str, old: Any, new: Any, count: Any = -1) -> str:
        if type(old) is not str or type(new) is not str or type(count) not in INTS:
            raise TypeError("replace() takes two strings and an optional count")
        self.budget.spend(len(s))
        hits = s.count(old) if old else len(s) + 1
        if count >= 0:
            hits = min(hits, count)
        size = len(s) + hits * (len(new) - len(old))
        self.budget.limit(size, "a string")
        self.budget.allocate(size)
        return s.replace(old, new, count)

    # -- iteration -------------------------------------------------------------------------------
    def getiter_(self, obj: Any) -> Iterator[Any]:
        """`_getiter_`: every `for` of a comprehension iterates through this counted iterator."""
        t = type(obj)
        if t is Missing:
            return iter(())
        if t in VIEWS:
            raise TypeError(f"{type_name(obj)} is not iterable")
        return self._counted(obj)

    def _counted(self, obj: Any) -> Iterator[Any]:
        allocate = self.budget.allocate
        n = 0
        for item in obj:
            n += 1
            if n == 256:
                allocate(256)
                n = 0
            yield item
        allocate(n)

    def iter_unpack_sequence_(self, obj: Any, spec: Any, getiter: Any) -> Iterator[Any]:
        """`_iter_unpack_sequence_`: `for a, b in x`; unpacking each item is bounded by the target."""
        return self.getiter_(obj)

    def unpack_(self, obj: Any) -> Any:
        """`_unpack_`: the operand of `*x` in a call or a display."""
        t = type(obj)
        if t in SIZED:
            self.budget.allocate(len(obj))
            return obj
        return self.getiter_(obj)

    def unpack_map_(self, obj: Any) -> Any:
        """`_unpack_map_`: the operand of `**x` in a call or a dict display."""
        if type(obj) is dict:
            self.budget.allocate(ENTRY_UNITS * len(obj))
            return obj
        if type(obj) is Missing:
            return {}
        raise TypeError(f"** needs a dict, not {type_name(obj)}")

    def _materialize(self, obj: Any) -> list[Any]:
        """A list of obj's items, with its size limited and charged."""
        budget = self.budget
        if type(obj) in SIZED:
            size = len(obj)
            budget.limit(size, "a list")
            budget.allocate(size)
            return list(obj)
        items = list(islice(self.getiter_(obj), budget.max_items + 1))
        budget.limit(len(items), "a list")
        return items

    def apply_(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """`_apply_`: a call with *args or **kwargs (their operands went through _unpack_)."""
        return func(*args, **kwargs)
