"""AimQL for the daemon: compile a query once, then match runs and sequences under a budget.

- views.py: RunView, SequenceView, Missing: the only objects a query can reach.
- budget.py: Budget (time, sizes, allocation) and the QueryError family.
- sandbox.py: Sandbox, the guards that keep a query inside its budget and away from anything but data,
  mixed from access.py (reach, iteration), operators.py (comparisons, arithmetic, displays) and
  safe_builtins.py (builtins); sizes.py holds the type sets and size measures they share.
- compile.py: Query: checks, rewrites and compiles the query text, and matches rows.
"""

from aimd.query.budget import Budget, BudgetExceeded
from aimd.query.compile import (
    Query,
    QueryError,
    QueryForbidden,
    QuerySyntaxError,
    QueryTooComplex,
    UnknownName,
)
from aimd.query.views import MISSING_VIEW, Missing, RunView, SequenceView

__all__ = [
    "MISSING_VIEW",
    "Budget",
    "BudgetExceeded",
    "Missing",
    "Query",
    "QueryError",
    "QueryForbidden",
    "QuerySyntaxError",
    "QueryTooComplex",
    "RunView",
    "SequenceView",
    "UnknownName",
]
