"""Containment for AimQL: the guards a compiled query calls, combined into one Sandbox per query.

compile.py rewrites a query so that everything that can cost more than constant time or memory
goes through a guard of the Sandbox *before* the work happens: attribute and item access
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
  is charged to a counter limited to Budget.max_total_items per row (nothing outlives its row);
- work: operations proportional to data size (string scans, deep compares, weight computations)
  are charged as work; every CHECK_EVERY units of work the clock is read, and a query past its
  time budget raises BudgetExceeded;
- reach: _getattr_ gives only the view attributes and a whitelist of data methods (wrapped with
  the size checks above where they allocate); functions, classes and modules have no attributes.

The guards live in one module per group; Sandbox (here) mixes them and builds the namespace:

- budget.py: Budget (time, sizes, allocation, work) and BudgetExceeded;
- sizes.py: the type sets the guards share, weight(), repr_size() and the fixed limits
  (MAX_NESTING, MAX_INT_DIGITS, MAX_MODPOW_BITS, ENTRY_UNITS);
- access.py: AccessGuards (attribute, item and key access, data methods, iteration and
  unpacking) and the module-level guards that need no budget (`_resolve_`, `_param_`, `_ref_`,
  `_is_`, `_is_not_`);
- operators.py: OperatorGuards (comparisons, arithmetic and bitwise operators, f-strings,
  displays, comprehension elements, lambda entries);
- safe_builtins.py: BuiltinGuards (the builtins a query may call, and builtins()).

Everything a query can reach is a view (views.py), Missing, or a plain data value (str, int,
float, bool, None, list, tuple, dict, set, datetime, date, timedelta, and iterators over those).
A Sandbox and its namespace belong to one query and one thread.
"""

from __future__ import annotations

import operator
from typing import Any

from aimd.query.access import DICT_METHODS, AccessGuards, is_, is_not, param, ref, resolve
from aimd.query.budget import Budget
from aimd.query.operators import OperatorGuards
from aimd.query.safe_builtins import BuiltinGuards

__all__ = ["DICT_METHODS", "GLOBAL_NAMES", "Sandbox"]


# --- the per-query guards -----------------------------------------------------------------------
class Sandbox(AccessGuards, OperatorGuards, BuiltinGuards):
    """The guards of one query, bound to its budget; namespace() is the compiled code's globals."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget

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
