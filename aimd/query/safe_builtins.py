"""The builtins an AimQL query may call: guarded replacements, and builtins(), the table by name.

The replacements refuse or charge what would allocate or loop in C over too much data (str() of a
huge container, int() of a long string, range(), sorted(), sum(), ...) before doing it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from types import MethodType
from typing import Any

from aimd.query.budget import Budget, BudgetExceeded
from aimd.query.sizes import (
    ABSENT,
    CONTAINERS,
    ENTRY_UNITS,
    INTS,
    MAX_INT_DIGITS,
    MAX_MODPOW_BITS,
    NUMBERS,
    SIZED,
    STRINGS,
    cost,
    int_digits_ok,
    repr_size,
    weight,
)


class MathFunctions:
    """`math` in a query: the functions and constants of math that cost O(1) on the numbers a
    query can make (Aim's queries have math); factorial, comb, prod and the like are left out."""

    __slots__ = ()
    NAMES = frozenset(
        "isnan isinf isfinite isclose floor ceil trunc fabs copysign sqrt exp log log2 log10 "
        "pi e tau inf nan".split()
    )


MATH = MathFunctions()


class BuiltinGuards:
    """The builtins of one query, bound to its budget.

    A mixin of Sandbox: _materialize and getiter_ come from AccessGuards, the arithmetic guards
    (abs_, add_, pow_, _new_int, _int_work) and _limit_weight from OperatorGuards, through self.
    """

    budget: Budget

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
        if t in INTS:
            if not int_digits_ok(obj):
                raise BudgetExceeded(f"query made text of an integer of more than {MAX_INT_DIGITS} digits")
            self.budget.allocate(obj.bit_length() // 3)
        elif t in CONTAINERS:
            size = repr_size(obj, self.budget)
            self.budget.limit(size, "a string")
            self.budget.allocate(size)
        elif t is str or t is bytes:
            self.budget.allocate(len(obj))
        return convert(obj)

    def int_(self, x: Any = 0, *base: Any) -> int:
        if type(x) in STRINGS:
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
        if type(x) in STRINGS:
            self.budget.spend(len(x))
        return float(x)

    def round_(self, number: Any, ndigits: Any = None) -> Any:
        if type(number) in INTS and type(ndigits) in INTS and ndigits < 0:
            self.budget.limit_int(-ndigits * 3.33)
        self._new_int(number)
        if ndigits is None:
            return round(number)
        return round(number, ndigits)

    def divmod_(self, a: Any, b: Any) -> Any:
        if type(a) in INTS and type(b) in INTS:
            self._int_work(a, b)
        return divmod(a, b)

    def builtin_pow(self, base: Any, exp: Any, mod: Any = None) -> Any:
        if mod is None:
            return self.pow_(base, exp)
        if type(exp) in INTS and type(mod) in INTS:
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
            if type(arg) in INTS and arg.bit_length() > 64:
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
        self._hashing(items, "a set")
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
                self._hashing(pairs, "a dict")
                budget.allocate(ENTRY_UNITS * len(pairs))
                result = dict(pairs)
        if kwargs:
            result.update(kwargs)
        return result

    def _hashing(self, items: list[Any], what: str) -> None:
        """Charge hashing (and comparing equal hashes of) every item of a new set or dict."""
        self.budget.work(cost(items, self.budget.max_work, self.budget), what)

    def _keys(self, items: list[Any], key: Any, what: str, compares: int = 1) -> list[Any]:
        """The keys items are ordered by, charged as `compares` comparisons of each."""
        keys = items if key is None else [key(item) for item in items]
        budget = self.budget
        self._limit_weight(weight(keys, budget.max_items, budget), what)
        budget.work(cost(keys, budget.max_work, budget) * compares, what)
        return keys

    def sorted_(self, iterable: Any, *, key: Any = None, reverse: Any = False) -> list[Any]:
        items = self._materialize(iterable)
        keys = self._keys(items, key, "a sort", max(len(items).bit_length(), 1))  # n log n compares
        if key is None:
            return sorted(items, reverse=reverse)
        order = sorted(range(len(items)), key=keys.__getitem__, reverse=reverse)
        return [items[i] for i in order]

    def _extreme(self, pick: Callable[..., Any], args: tuple[Any, ...], key: Any, default: Any) -> Any:
        if not args:
            raise TypeError("expected at least 1 argument")
        items = self._materialize(args[0]) if len(args) == 1 else list(args)
        if not items:
            if default is ABSENT:
                raise ValueError("arg is an empty sequence")
            return default
        keys = self._keys(items, key, f"{pick.__name__}()")
        return items[pick(range(len(keys)), key=keys.__getitem__)]

    def min_(self, *args: Any, key: Any = None, default: Any = ABSENT) -> Any:
        return self._extreme(min, args, key, default)

    def max_(self, *args: Any, key: Any = None, default: Any = ABSENT) -> Any:
        return self._extreme(max, args, key, default)

    def sum_(self, iterable: Any, start: Any = 0) -> Any:
        if type(start) in STRINGS:
            raise TypeError("sum() can't sum strings, use ''.join(...)")
        if type(iterable) is range and type(start) in INTS:
            n = len(iterable)
            if n == 0:
                return start
            return self.add_(start, n * (iterable[0] + iterable[-1]) // 2)
        if type(iterable) in (list, tuple) and type(start) in NUMBERS:
            self.budget.spend(len(iterable))
            kinds = set(map(type, iterable))
            if kinds <= {float} or (kinds <= INTS and max(map(int.bit_length, iterable), default=0) < 64):
                return sum(iterable, start)
        total = start
        add = self.add_
        for item in self.getiter_(iterable):
            total = add(total, item)
        return total

    def any_(self, iterable: Any) -> bool:
        if type(iterable) in SIZED:
            self.budget.spend(len(iterable))
            return any(iterable)
        return any(self.getiter_(iterable))

    def all_(self, iterable: Any) -> bool:
        if type(iterable) in SIZED:
            self.budget.spend(len(iterable))
            return all(iterable)
        return all(self.getiter_(iterable))

    def isinstance_(self, obj: Any, classinfo: Any) -> bool:
        """isinstance() where int, float, str, list, tuple, dict and set name the real types
        (in a query they are guarded builtins); bool, datetime and timedelta are types already."""
        kinds = classinfo if type(classinfo) is tuple else (classinfo,)
        return isinstance(obj, tuple(self._real_type(kind) for kind in kinds))

    def _real_type(self, kind: Any) -> type:
        if kind is bool or kind is datetime or kind is timedelta:
            return kind
        if type(kind) is MethodType and kind.__self__ is self:
            for guard, real in (
                (self.int_, int),
                (self.float_, float),
                (self.str_, str),
                (self.list_, list),
                (self.tuple_, tuple),
                (self.dict_, dict),
                (self.set_, set),
            ):
                if kind.__func__ is guard.__func__:
                    return real
        raise TypeError("isinstance() takes int, float, str, bool, list, tuple, dict, set or datetime types")

    # -- the table -------------------------------------------------------------------------------
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
            "isinstance": self.isinstance_,
            "math": MATH,
        }
