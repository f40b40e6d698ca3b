"""AimQL for the daemon: compile a query once, then match runs and sequences under a budget.

- views.py: RunView, SequenceView, Missing: the only objects a query can reach.
- sandbox.py: Budget and the guards that contain a query's time and memory.
- compile.py: Query: checks, rewrites and compiles the query text, and matches rows.
"""

from aimd.query.compile import (
    Query,
    QueryError,
    QueryForbidden,
    QuerySyntaxError,
    QueryTooComplex,
    UnknownName,
)
from aimd.query.sandbox import Budget, BudgetExceeded
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
