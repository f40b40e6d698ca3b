"""Containment for AimQL: the budget a query runs under, and the guards its compiled code calls.

compile.py rewrites a query so that everything that can cost more than constant time or memory
goes through a function of this module *before* the work happens: attribute and item access
(`_getattr_`, `_getitem_`), iteration (`_getiter_`), every binary operator (`_add_`, `_mul_`,
`_pow_`, ...), unary minus and invert, every comparison (`_eq_`, `_lt_`, `_in_`, ...),
star-unpacking, hashing of computed keys, large displays, comprehension elements, f-strings, lambda
entries, and the builtins a query may call. C-level loops ignore signals and threads cannot
be interrupted, so the guards refuse resource bombs up front instead of trying to stop them:

- sizes: an int result is limited to Budget.max_int_bits (estimated before computing), a str,
  list, tuple, set or dict to Budget.max_items, counting nested items for containers (a
  container's *weight*: its length plus the weights of the containers in it, computed with an
  early cap and at most MAX_NESTING levels deep);
- allocation: every string or container a guard creates, and every item a guarded iterator yields,
  is charged to a per-query counter limited to Budget.max_total_items;
- work: operations proportional to data size (string scans, deep compares, weight computations)
  are charged as work; every CHECK_EVERY units of work the clock is read, and a query past its
  time budget raises BudgetExceeded;
- reach: _getattr_ gives only the view attributes and a whitelist of data methods (wrapped with
  the size checks above where they allocate); functions, classes and modules have no attributes.

Everything a query can reach is a view (views.py), Missing, or a plain data value (str, int,
float, bool, None, list, tuple, dict, set, datetime, date, timedelta, and iterators over those).
A Sandbox and its namespace belong to one query and one thread.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from aimd.query.budget import (
    Budget,
    BudgetExceeded,
    QueryForbidden,
)
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

__all__ = ["DICT_METHODS", "GLOBAL_NAMES", "Sandbox"]

#: Containers nested deeper than this are refused wherever a guard measures them.
MAX_NESTING = 200
#: Decimal digits an int may have when converted from or to a string (CPython's own default).
MAX_INT_DIGITS = 4300
#: Bit length above which a modular pow() exponent or modulus is refused.
MAX_MODPOW_BITS = 4096
#: Allocation units charged per dict or set entry (a list slot is one unit, 8 bytes; an entry ~50).
ENTRY_UNITS = 4


# --- types ------------------------------------------------------------------------------------
_NoneType = type(None)
_DICT_KEYS = type({}.keys())
_DICT_VALUES = type({}.values())
_DICT_ITEMS = type({}.items())
_INTS = frozenset({int, bool})
_NUMBERS = frozenset({int, bool, float})
_SCALARS = frozenset({int, bool, float, str, _NoneType})
_STRINGS = frozenset({str, bytes})
_SEQUENCES = frozenset({str, bytes, list, tuple})
_CONTAINERS = frozenset({list, tuple, dict, set, frozenset, _DICT_KEYS, _DICT_VALUES, _DICT_ITEMS})
_SETLIKE = frozenset({set, frozenset, dict, _DICT_KEYS, _DICT_ITEMS})
_SIZED = _CONTAINERS | _STRINGS | {range}
_VIEWS = frozenset({RunView, SequenceView, RunMetrics, ParamRef})
_PLAIN_REPR = frozenset({int, bool, float, complex, str, bytes, _NoneType, datetime, date, timedelta, range})
_DATA = _SIZED | _PLAIN_REPR | {Missing}

_ABSENT: Any = object()
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


def _kind(obj: Any) -> str:
    """How a message names the type of obj."""
    t = type(obj)
    if t is RunView:
        return "run"
    if t is SequenceView:
        return "a sequence"
    if t is RunMetrics:
        return "run.metrics"
    if isinstance(obj, type):
        return f"class {obj.__name__}"
    if callable(obj):
        return "a function"
    return t.__name__


def _forbidden_attribute(obj: Any, name: str) -> QueryForbidden:
    return QueryForbidden(f"attribute '{name}' of {_kind(obj)} is not allowed in queries")


# --- weights ----------------------------------------------------------------------------------
def weight(obj: Any, cap: int, budget: Budget) -> int:
    """Items reachable from obj: each container's length plus its nested containers' weights.

    A container referenced twice counts twice (that is what a deep compare or hash walks). Stops
    as soon as the count passes cap (the result is then > cap) and charges what it walked as work.
    Raises BudgetExceeded past MAX_NESTING levels.
    """
    if type(obj) not in _CONTAINERS:
        return 0
    total = 0
    level = [obj]
    depth = 0
    is_container = _CONTAINERS.__contains__
    while level:
        depth += 1
        if depth > MAX_NESTING:
            budget.spend(total)
            raise BudgetExceeded(f"query used data nested more than {MAX_NESTING} levels deep")
        deeper: list[Any] = []
        for container in level:
            total += len(container)
            if total > cap:
                budget.spend(total)
                return total
            items: Any = container
            if type(container) is dict:
                if any(map(is_container, map(type, container))):
                    deeper.extend(k for k in container if type(k) in _CONTAINERS)
                items = container.values()
            if any(map(is_container, map(type, items))):
                deeper.extend(x for x in items if type(x) in _CONTAINERS)
        level = deeper
    budget.spend(total)
    return total


def _repr_size(obj: Any, budget: Budget) -> int:
    """An upper estimate of len(repr(obj)) for a container, stopping early past max_items."""
    cap = budget.max_items
    size = 0
    stack = [obj]
    while stack:
        item = stack.pop()
        t = type(item)
        if t in _CONTAINERS:
            size += 2 + 2 * len(item)
            if t is dict:
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                stack.extend(item)
            if len(stack) > cap:
                return cap + 1
        elif t is str or t is bytes:
            size += 3 + 4 * len(item)
        elif t in _INTS:
            size += item.bit_length() // 3 + 2
        else:
            size += 40
        if size > cap:
            return size
    budget.spend(size)
    return size


def _int_digits_ok(value: int) -> bool:
    return value.bit_length() <= MAX_INT_DIGITS * 3.32


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


# --- the per-query guards -----------------------------------------------------------------------
class Sandbox:
    """The guards of one query, bound to its budget; namespace() is the compiled code's globals."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget

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
            value = obj.get(name, _ABSENT)
            if value is not _ABSENT:
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
        elif obj is datetime:
            if name in _CLASS_ATTRIBUTES:
                return getattr(datetime, name)
            raise _forbidden_attribute(obj, name)
        if t in _DATA and not hasattr(obj, name):
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
            value = obj.get(key, _ABSENT)
            return MISSING_VIEW if value is _ABSENT else value
        if t is RunMetrics:
            self.key_(key)
            return obj.lookup(key)
        if t in _SEQUENCES or t is range:
            if type(key) is slice:
                size = len(range(*key.indices(len(obj))))
                if t is not range:
                    self.budget.allocate(size)
            return obj[key]
        raise TypeError(f"{_kind(obj)} is not subscriptable")

    def key_(self, key: Any) -> Any:
        """`_key_`: charge hashing a computed key (a tuple hashes every nested item, uncached)."""
        t = type(key)
        if t is tuple:
            self._limit_weight(weight(key, self.budget.max_items, self.budget), "a key")
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
        if type(old) is not str or type(new) is not str or type(count) not in _INTS:
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
        if t in _VIEWS:
            raise TypeError(f"{_kind(obj)} is not iterable")
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
        if t in _SIZED:
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
        raise TypeError(f"** needs a dict, not {_kind(obj)}")

    def _materialize(self, obj: Any) -> list[Any]:
        """A list of obj's items, with its size limited and charged."""
        budget = self.budget
        if type(obj) in _SIZED:
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

    def alloc_(self, size: int, display: Any) -> Any:
        """`_alloc_`: a list/tuple/set/dict display of `size` elements (only large ones are wrapped)."""
        self.budget.allocate(size)
        return display

    def entry_(self, key: Any) -> Any:
        """`_entry_`: a key a set or dict comprehension hashes and keeps."""
        self.key_(key)
        self.budget.allocate(ENTRY_UNITS + (sys.getsizeof(key) >> 6))
        return key

    def elt_(self, item: Any) -> Any:
        """`_elt_`: an element a list/set/dict comprehension keeps; charged by its memory size."""
        units = sys.getsizeof(item) >> 6
        if units:
            self.budget.allocate(units)
        return item

    def tick_(self) -> bool:
        """`_tick_`: called at every entry into a lambda of the query (recursion is work too)."""
        self.budget.spend(1)
        return True

    # -- comparisons -----------------------------------------------------------------------------
    def _limit_weight(self, size: int, what: str) -> None:
        if size > self.budget.max_items:
            raise BudgetExceeded(f"query used {what} of more than {self.budget.max_items} items")

    def _check_pair(self, a: Any, b: Any) -> None:
        if type(a) in _CONTAINERS or type(b) in _CONTAINERS:
            budget = self.budget
            cap = budget.max_items
            self._limit_weight(weight(a, cap, budget) + weight(b, cap, budget), "a comparison")

    def _ordering(self, op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], bool]:
        def compare(a: Any, b: Any) -> bool:
            if type(a) not in _SCALARS or type(b) not in _SCALARS:
                if a is MISSING_VIEW or b is MISSING_VIEW:
                    return False
                self._check_pair(a, b)
            try:
                return op(a, b)
            except TypeError:
                return False

        return compare

    def eq_(self, a: Any, b: Any) -> bool:
        if type(a) not in _SCALARS or type(b) not in _SCALARS:
            if a is MISSING_VIEW:
                return b is None or b is MISSING_VIEW
            if b is MISSING_VIEW:
                return a is None
            self._check_pair(a, b)
        try:
            return a == b
        except TypeError:
            return False

    def ne_(self, a: Any, b: Any) -> bool:
        return not self.eq_(a, b)

    def in_(self, a: Any, b: Any) -> bool:
        tb = type(b)
        if a is MISSING_VIEW:
            a = None
        budget = self.budget
        try:
            if tb is str or tb is bytes:
                budget.spend(len(b))
                return a in b
            if tb is Missing:
                return False
            if tb in _SETLIKE:
                self._limit_weight(weight(a, budget.max_items, budget), "a key")
                return a in b
            if tb in _CONTAINERS:
                self._check_pair(a, b)
                return a in b
            if tb is range:
                if type(a) not in _INTS:  # only ints are looked up; anything else is a scan
                    budget.spend(len(b))
                return a in b
            if tb in _VIEWS:
                raise TypeError(f"{_kind(b)} is not a container")
            return a in self.getiter_(b)
        except TypeError:
            return False

    def not_in_(self, a: Any, b: Any) -> bool:
        return not self.in_(a, b)

    @staticmethod
    def chain_(
        left: Any, ops: tuple[Callable[..., bool], ...], thunks: tuple[Callable[[], Any], ...]
    ) -> bool:
        """`a < b < c`: each comparand evaluated once and only when needed."""
        for op, thunk in zip(ops, thunks, strict=True):
            right = thunk()
            if not op(left, right):
                return False
            left = right
        return True

    # -- arithmetic ------------------------------------------------------------------------------
    def _concat(self, a: Any, b: Any) -> Any:
        budget = self.budget
        size = len(a) + len(b)
        if type(a) in _STRINGS:
            budget.limit(size, "a string")
        else:
            cap = budget.max_items
            budget.limit(weight(a, cap, budget) + weight(b, cap, budget), f"a {type(a).__name__}")
        budget.allocate(size)
        return a + b

    def _repeat(self, seq: Any, times: int) -> Any:
        budget = self.budget
        if times <= 0 or not seq:
            return seq * times
        if type(seq) in _STRINGS:
            budget.limit(len(seq) * times, "a string")
        else:
            cap = budget.max_items // times
            if weight(seq, cap, budget) > cap:
                budget.limit(budget.max_items + 1, f"a {type(seq).__name__}")
        budget.allocate(len(seq) * times)
        return seq * times

    def _int_work(self, a: int, b: int) -> None:
        """Charge a division of big ints: quadratic work, and a result up to a's size."""
        bits = a.bit_length()
        if bits > 64:
            self.budget.spend((bits * max(b.bit_length(), 64)) >> 17)
            self.budget.allocate(bits >> 6)

    def _new_int(self, value: Any) -> None:
        """Charge a new int as big as value (unary minus, abs, >>, &, ...)."""
        if type(value) in _INTS:
            bits = value.bit_length()
            if bits > 64:
                self.budget.allocate(bits >> 6)

    def neg_(self, a: Any) -> Any:
        self._new_int(a)
        return -a

    def invert_(self, a: Any) -> Any:
        self._new_int(a)
        return ~a

    def abs_(self, a: Any) -> Any:
        self._new_int(a)
        return abs(a)

    def add_(self, a: Any, b: Any) -> Any:
        ta = type(a)
        tb = type(b)
        if ta in _INTS and tb in _INTS:
            bits = max(a.bit_length(), b.bit_length())
            if bits > 62:
                self.budget.limit_int(bits + 1)
        elif ta is tb and ta in _SEQUENCES:
            return self._concat(a, b)
        return a + b

    def sub_(self, a: Any, b: Any) -> Any:
        ta = type(a)
        tb = type(b)
        if ta in _INTS and tb in _INTS:
            bits = max(a.bit_length(), b.bit_length())
            if bits > 62:
                self.budget.limit_int(bits + 1)
        elif ta in _SETLIKE or tb in _SETLIKE:
            self._set_operation(a, b)
        return a - b

    def mul_(self, a: Any, b: Any) -> Any:
        ta = type(a)
        tb = type(b)
        if ta in _INTS:
            if tb in _INTS:
                bits = a.bit_length() + b.bit_length()
                if bits > 62:
                    self.budget.limit_int(bits)
                return a * b
            if tb in _SEQUENCES:
                return self._repeat(b, a)
        elif ta in _SEQUENCES and tb in _INTS:
            return self._repeat(a, b)
        return a * b

    def truediv_(self, a: Any, b: Any) -> Any:
        if type(a) in _INTS and type(b) in _INTS:
            self._int_work(a, b)
        return a / b

    def floordiv_(self, a: Any, b: Any) -> Any:
        if type(a) in _INTS and type(b) in _INTS:
            self._int_work(a, b)
        return a // b

    def mod_(self, a: Any, b: Any) -> Any:
        ta = type(a)
        if ta in _STRINGS:
            raise QueryForbidden("string formatting with % is not allowed in queries")
        if ta in _INTS and type(b) in _INTS:
            self._int_work(a, b)
        return a % b

    def pow_(self, a: Any, b: Any) -> Any:
        if type(a) in _INTS and type(b) in _INTS and b > 1 and a not in (0, 1, -1):
            if b.bit_length() > 64:
                self.budget.limit_int(math.inf)
            self.budget.limit_int(b * math.log2(abs(a)))
        return a**b

    def lshift_(self, a: Any, b: Any) -> Any:
        if type(a) in _INTS and type(b) in _INTS and a and b > 0:
            if b.bit_length() > 64:
                self.budget.limit_int(math.inf)
            self.budget.limit_int(a.bit_length() + b)
        return a << b

    def rshift_(self, a: Any, b: Any) -> Any:
        self._new_int(a)
        return a >> b

    @staticmethod
    def matmul_(a: Any, b: Any) -> Any:
        return a @ b

    def _set_operation(self, a: Any, b: Any) -> None:
        budget = self.budget
        cap = budget.max_items
        self._limit_weight(weight(a, cap, budget) + weight(b, cap, budget), "a set operation")
        sizes = (len(a) if type(a) in _SIZED else 0) + (len(b) if type(b) in _SIZED else 0)
        budget.allocate(ENTRY_UNITS * sizes)

    def _bitwise(self, op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def bitwise(a: Any, b: Any) -> Any:
            if type(a) in _SETLIKE or type(b) in _SETLIKE:
                self._set_operation(a, b)
            elif type(a) in _INTS and type(b) in _INTS:
                self._new_int(a if a.bit_length() > b.bit_length() else b)
            return op(a, b)

        return bitwise

    # -- f-strings -------------------------------------------------------------------------------
    def fjoin_(self, *parts: str) -> str:
        """`_fjoin_`: an f-string, from its literal parts and its str()/repr()'d values."""
        size = sum(map(len, parts))
        self.budget.limit(size, "a string")
        self.budget.allocate(size)
        return "".join(parts)

    # -- builtins --------------------------------------------------------------------------------
    def str_(self, obj: Any = "") -> str:
        return self._text(obj, str)

    def repr_(self, obj: Any) -> str:
        return self._text(obj, repr)

    def ascii_(self, obj: Any) -> str:
        return self._text(obj, repr).encode("ascii", "backslashreplace").decode("ascii")

    def _text(self, obj: Any, convert: Callable[[Any], str]) -> str:
        t = type(obj)
        if t is str and convert is str:
            return obj
        if t in _INTS:
            if not _int_digits_ok(obj):
                raise BudgetExceeded(f"query made text of an integer of more than {MAX_INT_DIGITS} digits")
            self.budget.allocate(obj.bit_length() // 3)
        elif t in _CONTAINERS:
            size = _repr_size(obj, self.budget)
            self.budget.limit(size, "a string")
            self.budget.allocate(size)
        elif t is str or t is bytes:
            self.budget.allocate(len(obj))
        return convert(obj)

    def int_(self, x: Any = 0, *base: Any) -> int:
        if type(x) in _STRINGS:
            if len(x.strip()) > MAX_INT_DIGITS:
                raise BudgetExceeded(
                    f"query made an integer of a string of more than {MAX_INT_DIGITS} digits"
                )
            self.budget.allocate(len(x))
            return int(x, *base)
        if base:
            raise TypeError("int() can't convert non-string with explicit base")
        return int(x)

    def float_(self, x: Any = 0.0) -> float:
        if type(x) in _STRINGS:
            self.budget.spend(len(x))
        return float(x)

    def round_(self, number: Any, ndigits: Any = None) -> Any:
        if type(number) in _INTS and type(ndigits) in _INTS and ndigits < 0:
            self.budget.limit_int(-ndigits * 3.33)
        self._new_int(number)
        if ndigits is None:
            return round(number)
        return round(number, ndigits)

    def divmod_(self, a: Any, b: Any) -> Any:
        if type(a) in _INTS and type(b) in _INTS:
            self._int_work(a, b)
        return divmod(a, b)

    def builtin_pow(self, base: Any, exp: Any, mod: Any = None) -> Any:
        if mod is None:
            return self.pow_(base, exp)
        if type(exp) in _INTS and type(mod) in _INTS:
            if exp.bit_length() > MAX_MODPOW_BITS or mod.bit_length() > MAX_MODPOW_BITS:
                raise BudgetExceeded(
                    f"query used pow() with a modulus or exponent over {MAX_MODPOW_BITS} bits"
                )
        return pow(base, exp, mod)

    def range_(self, *args: Any) -> range:
        self._small_ints(args, "range()")
        r = range(*args)
        try:
            size = len(r)
        except OverflowError:
            size = self.budget.max_items + 1
        self.budget.limit(size, "a range")
        self.budget.allocate(size)
        return r

    def _small_ints(self, args: tuple[Any, ...], what: str) -> None:
        """Refuse int arguments past 64 bits where each item made would be as big (range, enumerate)."""
        for arg in args:
            if type(arg) in _INTS and arg.bit_length() > 64:
                raise BudgetExceeded(f"query used {what} with an integer of more than 64 bits")

    def enumerate_(self, iterable: Any, start: Any = 0) -> enumerate:
        self._small_ints((start,), "enumerate()")
        return enumerate(iterable, start)

    def list_(self, iterable: Any = ()) -> list[Any]:
        return self._materialize(iterable)

    def tuple_(self, iterable: Any = ()) -> tuple[Any, ...]:
        if type(iterable) is tuple:
            return iterable
        return tuple(self._materialize(iterable))

    def set_(self, iterable: Any = ()) -> set[Any]:
        items = self._materialize(iterable)
        self._limit_weight(weight(items, self.budget.max_items, self.budget), "a set")
        self.budget.allocate(ENTRY_UNITS * len(items))
        return set(items)

    def dict_(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        if len(args) > 1:
            raise TypeError("dict() takes at most one positional argument")
        budget = self.budget
        result: dict[Any, Any] = {}
        if args:
            source = args[0]
            if type(source) is dict:
                budget.limit(len(source), "a dict")
                budget.allocate(ENTRY_UNITS * len(source))
                result = dict(source)
            else:
                pairs = self._materialize(source)
                self._limit_weight(weight(pairs, budget.max_items, budget), "a dict")
                budget.allocate(ENTRY_UNITS * len(pairs))
                result = dict(pairs)
        if kwargs:
            result.update(kwargs)
        return result

    def _keys(self, items: list[Any], key: Any) -> list[Any]:
        keys = items if key is None else [key(item) for item in items]
        self._limit_weight(weight(keys, self.budget.max_items, self.budget), "a sort")
        return keys

    def sorted_(self, iterable: Any, *, key: Any = None, reverse: Any = False) -> list[Any]:
        items = self._materialize(iterable)
        keys = self._keys(items, key)
        if key is None:
            return sorted(items, reverse=reverse)
        order = sorted(range(len(items)), key=keys.__getitem__, reverse=reverse)
        return [items[i] for i in order]

    def _extreme(self, pick: Callable[..., Any], args: tuple[Any, ...], key: Any, default: Any) -> Any:
        if not args:
            raise TypeError("expected at least 1 argument")
        items = self._materialize(args[0]) if len(args) == 1 else list(args)
        if not items:
            if default is _ABSENT:
                raise ValueError("arg is an empty sequence")
            return default
        keys = self._keys(items, key)
        return items[pick(range(len(keys)), key=keys.__getitem__)]

    def min_(self, *args: Any, key: Any = None, default: Any = _ABSENT) -> Any:
        return self._extreme(min, args, key, default)

    def max_(self, *args: Any, key: Any = None, default: Any = _ABSENT) -> Any:
        return self._extreme(max, args, key, default)

    def sum_(self, iterable: Any, start: Any = 0) -> Any:
        if type(start) in _STRINGS:
            raise TypeError("sum() can't sum strings, use ''.join(...)")
        if type(iterable) is range and type(start) in _INTS:
            n = len(iterable)
            if n == 0:
                return start
            return self.add_(start, n * (iterable[0] + iterable[-1]) // 2)
        if type(iterable) in (list, tuple) and type(start) in _NUMBERS:
            self.budget.spend(len(iterable))
            kinds = set(map(type, iterable))
            if kinds <= {float} or (kinds <= _INTS and max(map(int.bit_length, iterable), default=0) < 64):
                return sum(iterable, start)
        total = start
        add = self.add_
        for item in self.getiter_(iterable):
            total = add(total, item)
        return total

    def any_(self, iterable: Any) -> bool:
        if type(iterable) in _SIZED:
            self.budget.spend(len(iterable))
            return any(iterable)
        return any(self.getiter_(iterable))

    def all_(self, iterable: Any) -> bool:
        if type(iterable) in _SIZED:
            self.budget.spend(len(iterable))
            return all(iterable)
        return all(self.getiter_(iterable))

    # -- the namespace ---------------------------------------------------------------------------
    def builtins(self) -> dict[str, Any]:
        """The builtins a query may call, by name (all guarded or harmless)."""
        return {
            "len": len,
            "abs": self.abs_,
            "bool": bool,
            "enumerate": self.enumerate_,
            "zip": zip,
            "reversed": reversed,
            "min": self.min_,
            "max": self.max_,
            "sum": self.sum_,
            "any": self.any_,
            "all": self.all_,
            "round": self.round_,
            "sorted": self.sorted_,
            "int": self.int_,
            "float": self.float_,
            "str": self.str_,
            "repr": self.repr_,
            "list": self.list_,
            "tuple": self.tuple_,
            "dict": self.dict_,
            "set": self.set_,
            "range": self.range_,
            "divmod": self.divmod_,
            "pow": self.builtin_pow,
            "datetime": datetime,
            "timedelta": timedelta,
        }

    def namespace(self) -> dict[str, Any]:
        """The globals of the compiled query: builtins plus the guards the compiler inserts."""
        return {
            "__builtins__": {},
            **self.builtins(),
            "_getattr_": self.getattr_,
            "_getitem_": self.getitem_,
            "_getiter_": self.getiter_,
            "_iter_unpack_sequence_": self.iter_unpack_sequence_,
            "_apply_": self.apply_,
            "_unpack_": self.unpack_,
            "_unpack_map_": self.unpack_map_,
            "_key_": self.key_,
            "_tick_": self.tick_,
            "_alloc_": self.alloc_,
            "_elt_": self.elt_,
            "_entry_": self.entry_,
            "_neg_": self.neg_,
            "_invert_": self.invert_,
            "_resolve_": resolve,
            "_param_": param,
            "_ref_": ref,
            "_fjoin_": self.fjoin_,
            "_str_": self.str_,
            "_repr_": self.repr_,
            "_ascii_": self.ascii_,
            "_chain_": self.chain_,
            "_eq_": self.eq_,
            "_ne_": self.ne_,
            "_lt_": self._ordering(operator.lt),
            "_le_": self._ordering(operator.le),
            "_gt_": self._ordering(operator.gt),
            "_ge_": self._ordering(operator.ge),
            "_in_": self.in_,
            "_not_in_": self.not_in_,
            "_is_": is_,
            "_is_not_": is_not,
            "_add_": self.add_,
            "_sub_": self.sub_,
            "_mul_": self.mul_,
            "_truediv_": self.truediv_,
            "_floordiv_": self.floordiv_,
            "_mod_": self.mod_,
            "_pow_": self.pow_,
            "_lshift_": self.lshift_,
            "_rshift_": self.rshift_,
            "_matmul_": self.matmul_,
            "_or_": self._bitwise(operator.or_),
            "_and_": self._bitwise(operator.and_),
            "_xor_": self._bitwise(operator.xor),
        }


#: Names a query may use besides its variables.
GLOBAL_NAMES = frozenset(Sandbox(Budget()).builtins())
