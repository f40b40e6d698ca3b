"""The data types the AimQL guards tell apart, and how big a value is.

The type sets (INTS, CONTAINERS, SIZED, ...), ABSENT and type_name() are shared by the guard groups
(access.py, operators.py, safe_builtins.py). weight() and repr_size() measure a container before a
guard walks it or builds something as large, with an early cap. The constants are the fixed limits
no Budget setting changes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aimd.query.budget import Budget, BudgetExceeded
from aimd.query.views import Missing, ParamRef, RunMetrics, RunView, SequenceView

#: Containers nested deeper than this are refused wherever a guard measures them.
MAX_NESTING = 200
#: Decimal digits an int may have when converted from or to a string (CPython's own default).
MAX_INT_DIGITS = 4300
#: Bit length above which a modular pow() exponent or modulus is refused.
MAX_MODPOW_BITS = 4096
#: Allocation units charged per dict or set entry (a list slot is one unit, 8 bytes; an entry ~50).
ENTRY_UNITS = 4
#: Allocation units charged per container a display builds (its header and GC links, ~64 bytes).
CONTAINER_UNITS = 8
#: Work units per this many characters of a string (or bytes) compared or hashed, and per this many
#: bits of an int: one unit is about one item compare in C, a few nanoseconds.
STR_CHARS_PER_UNIT = 16
INT_BITS_PER_UNIT = 64


# --- types ------------------------------------------------------------------------------------
_NoneType = type(None)
_DICT_KEYS: type = type({}.keys())
_DICT_VALUES: type = type({}.values())
_DICT_ITEMS: type = type({}.items())
INTS = frozenset({int, bool})
NUMBERS = frozenset({int, bool, float})
SCALARS = frozenset({int, bool, float, str, _NoneType})
STRINGS = frozenset({str, bytes})
SEQUENCES = frozenset({str, bytes, list, tuple})
CONTAINERS = frozenset({list, tuple, dict, set, frozenset, _DICT_KEYS, _DICT_VALUES, _DICT_ITEMS})
SETLIKE = frozenset({set, frozenset, dict, _DICT_KEYS, _DICT_ITEMS})
SIZED = CONTAINERS | STRINGS | {range}
VIEWS = frozenset({RunView, SequenceView, RunMetrics, ParamRef})
_PLAIN_REPR = frozenset({int, bool, float, complex, str, bytes, _NoneType, datetime, date, timedelta, range})
DATA = SIZED | _PLAIN_REPR | {Missing}

ABSENT: Any = object()


def type_name(obj: Any) -> str:
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


# --- weights ----------------------------------------------------------------------------------
def weight(obj: Any, cap: int, budget: Budget) -> int:
    """Items reachable from obj: each container's length plus its nested containers' weights.

    A container referenced twice counts twice (that is what a deep compare or hash walks). Stops
    as soon as the count passes cap (the result is then > cap) and charges what it walked as work.
    Raises BudgetExceeded past MAX_NESTING levels.
    """
    return _walk(obj, cap, budget, scalars=False)


def cost(obj: Any, cap: int, budget: Budget) -> int:
    """Work units of comparing or hashing obj once in C: its weight plus the size of every string,
    bytes and int in it (STR_CHARS_PER_UNIT, INT_BITS_PER_UNIT). Early stop past cap, as weight()."""
    t = type(obj)
    if t not in CONTAINERS:
        return _scalar_cost(t, obj)
    return _walk(obj, cap, budget, scalars=True)


def _scalar_cost(t: type, obj: Any) -> int:
    if t is str or t is bytes:
        return len(obj) // STR_CHARS_PER_UNIT
    if t is int:
        return obj.bit_length() // INT_BITS_PER_UNIT
    return 0


def _scalars_cost(items: Any, kinds: set[type]) -> int:
    """The summed scalar cost of a container's direct items (C-speed when they are all of one kind)."""
    total = 0
    if kinds & STRINGS:
        lengths = map(len, items) if kinds <= STRINGS else (len(x) for x in items if type(x) in STRINGS)
        total += sum(lengths) // STR_CHARS_PER_UNIT
    if int in kinds:  # an int of one machine word costs no more than the item itself
        ints = items if kinds == {int} else [x for x in items if type(x) is int]
        extra = sum(map(int.bit_length, ints)) - (INT_BITS_PER_UNIT - 1) * len(ints)
        total += max(extra, 0) // INT_BITS_PER_UNIT
    return total


def _walk(obj: Any, cap: int, budget: Budget, *, scalars: bool) -> int:
    if type(obj) not in CONTAINERS:
        return 0
    total = 0
    level = [obj]
    depth = 0
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
            parts = (container, container.values()) if type(container) is dict else (container,)
            for items in parts:
                kinds = set(map(type, items))
                if kinds & CONTAINERS:
                    deeper.extend(x for x in items if type(x) in CONTAINERS)
                if scalars and kinds & _COSTLY:
                    total += _scalars_cost(items, kinds)
        level = deeper
    budget.spend(total)
    return total


_COSTLY = frozenset({str, bytes, int})


def repr_size(obj: Any, budget: Budget) -> int:
    """An upper estimate of len(repr(obj)) for a container, stopping early past max_items."""
    cap = budget.max_items
    size = 0
    stack = [obj]
    while stack:
        item = stack.pop()
        t = type(item)
        if t in CONTAINERS:
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
        elif t in INTS:
            size += item.bit_length() // 3 + 2
        else:
            size += 40
        if size > cap:
            return size
    budget.spend(size)
    return size


def int_digits_ok(value: int) -> bool:
    return value.bit_length() <= MAX_INT_DIGITS * 3.32
