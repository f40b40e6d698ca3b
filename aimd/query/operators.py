"""Operator guards of AimQL: comparisons, arithmetic and bitwise operators, f-strings, displays.

Each guard checks the size of what the operator would build or walk (an int's bits, a string's or
container's length, a container's weight) against the budget before doing it, and charges the
allocation; comparisons of data that does not fit (a str with a number, Missing) are False.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

from aimd.query.budget import Budget, BudgetExceeded, QueryForbidden
from aimd.query.sizes import (
    CONTAINERS,
    ENTRY_UNITS,
    INTS,
    SCALARS,
    SEQUENCES,
    SETLIKE,
    SIZED,
    STRINGS,
    VIEWS,
    cost,
    type_name,
    weight,
)
from aimd.query.views import MISSING_VIEW, Missing


class OperatorGuards:
    """The operator, f-string and display guards of one query, bound to its budget.

    A mixin of Sandbox: getiter_ and key_ come from AccessGuards through self.
    """

    budget: Budget

    # -- comparisons -----------------------------------------------------------------------------
    def _limit_weight(self, size: int, what: str) -> None:
        if size > self.budget.max_items:
            raise BudgetExceeded(f"query used {what} of more than {self.budget.max_items} items")

    def _check_pair(self, a: Any, b: Any) -> None:
        if type(a) in CONTAINERS or type(b) in CONTAINERS:
            budget = self.budget
            cap = budget.max_items
            self._limit_weight(weight(a, cap, budget) + weight(b, cap, budget), "a comparison")
            cap = budget.max_work
            budget.work(cost(a, cap, budget) + cost(b, cap, budget), "a comparison")

    def _charge_scan(self, needle: Any, haystack: Any, what: str) -> None:
        """Charge comparing needle with every item of haystack (`in`, list.count, list.index): each
        compare costs at most the smaller of the two, so at most len * needle's cost and at most
        the haystack's cost."""
        budget = self.budget
        cap = budget.max_work
        each = cost(needle, cap, budget) + 1
        units = len(haystack) * each
        if units > cap:
            units = min(units, len(haystack) + cost(haystack, cap, budget))
        budget.work(units, what)

    def _ordering(self, op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], bool]:
        def compare(a: Any, b: Any) -> bool:
            if type(a) not in SCALARS or type(b) not in SCALARS:
                if a is MISSING_VIEW or b is MISSING_VIEW:
                    return False
                self._check_pair(a, b)
            try:
                return op(a, b)
            except TypeError:
                return False

        return compare

    def eq_(self, a: Any, b: Any) -> bool:
        if type(a) not in SCALARS or type(b) not in SCALARS:
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
            if tb in SETLIKE:
                self._limit_weight(weight(a, budget.max_items, budget), "a key")
                budget.work(cost(a, budget.max_work, budget), "hashing a key")
                return a in b
            if tb in CONTAINERS:
                self._limit_weight(
                    weight(a, budget.max_items, budget) + weight(b, budget.max_items, budget), "a comparison"
                )
                self._charge_scan(a, b, "a membership test")
                return a in b
            if tb is range:
                if type(a) not in INTS:  # only ints are looked up; anything else is a scan
                    budget.spend(len(b))
                return a in b
            if tb in VIEWS:
                raise TypeError(f"{type_name(b)} is not a container")
            eq = self.eq_  # an iterator: each compare guarded on its own
            return any(item is a or eq(a, item) for item in self.getiter_(b))
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
        if type(a) in STRINGS:
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
        if type(seq) in STRINGS:
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

    def _sum_bits(self, a: int, b: int) -> None:
        """Bound the int a + b or a - b: one bit more than the larger operand."""
        bits = max(a.bit_length(), b.bit_length())
        if bits > 62:
            self.budget.limit_int(bits + 1)

    def _new_int(self, value: Any) -> None:
        """Charge a new int as big as value (unary minus, abs, >>, &, ...)."""
        if type(value) in INTS:
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
        if ta in INTS and tb in INTS:
            self._sum_bits(a, b)
        elif ta is tb and ta in SEQUENCES:
            return self._concat(a, b)
        return a + b

    def sub_(self, a: Any, b: Any) -> Any:
        ta = type(a)
        tb = type(b)
        if ta in INTS and tb in INTS:
            self._sum_bits(a, b)
        elif ta in SETLIKE or tb in SETLIKE:
            self._set_operation(a, b)
        return a - b

    def mul_(self, a: Any, b: Any) -> Any:
        ta = type(a)
        tb = type(b)
        if ta in INTS:
            if tb in INTS:
                bits = a.bit_length() + b.bit_length()
                if bits > 62:
                    self.budget.limit_int(bits)
                return a * b
            if tb in SEQUENCES:
                return self._repeat(b, a)
        elif ta in SEQUENCES and tb in INTS:
            return self._repeat(a, b)
        return a * b

    def truediv_(self, a: Any, b: Any) -> Any:
        if type(a) in INTS and type(b) in INTS:
            self._int_work(a, b)
        return a / b

    def floordiv_(self, a: Any, b: Any) -> Any:
        if type(a) in INTS and type(b) in INTS:
            self._int_work(a, b)
        return a // b

    def mod_(self, a: Any, b: Any) -> Any:
        ta = type(a)
        if ta in STRINGS:
            raise QueryForbidden("string formatting with % is not allowed in queries")
        if ta in INTS and type(b) in INTS:
            self._int_work(a, b)
        return a % b

    def pow_(self, a: Any, b: Any) -> Any:
        if type(a) in INTS and type(b) in INTS and b > 1 and a not in (0, 1, -1):
            if b.bit_length() > 64:
                self.budget.limit_int(math.inf)
            self.budget.limit_int(b * math.log2(abs(a)))
        return a**b

    def lshift_(self, a: Any, b: Any) -> Any:
        if type(a) in INTS and type(b) in INTS and a and b > 0:
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
        cap = budget.max_work
        budget.work(cost(a, cap, budget) + cost(b, cap, budget), "a set operation")
        sizes = (len(a) if type(a) in SIZED else 0) + (len(b) if type(b) in SIZED else 0)
        budget.allocate(ENTRY_UNITS * sizes)

    def _bitwise(self, op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def bitwise(a: Any, b: Any) -> Any:
            if type(a) in SETLIKE or type(b) in SETLIKE:
                self._set_operation(a, b)
            elif type(a) in INTS and type(b) in INTS:
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

    # -- displays, comprehension elements, lambda entries ----------------------------------------
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
