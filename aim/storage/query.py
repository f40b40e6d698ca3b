"""`from aim.storage.query import syntax_error_check`, as in Aim: raises SyntaxError (with the line
and offset Python reports) for a query that does not parse, and returns None for one that does."""

from aim._model.query import check_syntax as syntax_error_check

__all__ = ["syntax_error_check"]
