"""AimQL compilation: one Python expression, checked, rewritten and compiled once per query.

Steps (Query.__init__):

1. Refuse texts over MAX_QUERY_CHARS, parse in eval mode (so statements are impossible), map
   SyntaxError to QuerySyntaxError and parser overflows to QueryTooComplex, and refuse ASTs nested
   deeper than MAX_DEPTH (measured iteratively, before any recursive pass).
2. Check the tree (_Checker): only expression nodes, no walrus/yield/await, no names or attributes
   starting with '_', no f-string format specs, every loaded name a query variable, a builtin or
   bound in the query (comprehension target, lambda argument), and no rebinding of those names.
3. Mark attribute/subscript chains for lazy params (_mark_chains): the outermost link of a chain is
   resolved (`_resolve_`), inner links stay ParamRefs; a chain of constant links rooted at `run`
   compiles to one `_param_(run, path)` call.
4. Split a top-level `and` into the conjuncts that use only `run` (match_run) and those that use the
   sequence variable (match_sequence).
5. Rewrite each part with RestrictedPython's transformer extended by _Policy (attribute, item and
   iteration guards from RestrictedPython; every binary operator, comparison, f-string, star-unpack,
   computed key and lambda entry routed to a guard of sandbox.py), wrap it as
   `lambda run[, <variable>]: <part>`, compile it, and evaluate that lambda once in the sandbox's
   namespace. A row then costs one call of that function.

f-strings are allowed with !s/!r/!a conversions but without format specs (`f'{x:>10}'` is refused):
each value goes through the guarded str()/repr() and the parts are joined under the size budget.
"""

from __future__ import annotations

import ast
from typing import Any

from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer

from aimd.query.budget import (
    Budget,
    BudgetExceeded,
    QueryError,
    QueryForbidden,
    QuerySyntaxError,
    QueryTooComplex,
    UnknownName,
)
from aimd.query.sandbox import DICT_METHODS, GLOBAL_NAMES, Sandbox
from aimd.query.sizes import CONTAINER_UNITS, ENTRY_UNITS
from aimd.query.views import RUN_ATTRIBUTES, RunView, SequenceView
from aimproto.contract import MAX_QUERY_CHARS, SEQUENCE_TYPES

__all__ = [
    "MAX_DEPTH",
    "MAX_QUERY_CHARS",
    "TARGETS",
    "BudgetExceeded",
    "Query",
    "QueryError",
    "QueryForbidden",
    "QuerySyntaxError",
    "QueryTooComplex",
    "UnknownName",
]

MAX_DEPTH = 100

#: Query target -> the name of its sequence variable (None: a runs query has only `run`).
TARGETS: dict[str, str | None] = {"runs": None, **{seq_type: seq_type for seq_type in SEQUENCE_TYPES}}
_RESERVED = GLOBAL_NAMES | {"run"} | {v for v in TARGETS.values() if v}

#: Errors of ordinary data that make one row not match (a str param compared with arithmetic...).
_ROW_ERRORS = (ArithmeticError, LookupError, TypeError, ValueError, AttributeError)

_NOT_ALLOWED = {
    ast.NamedExpr: "the assignment expression (:=)",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
    ast.Await: "await",
}
_ALLOWED_NODES = frozenset(
    {
        ast.Expression,
        ast.BoolOp,
        ast.BinOp,
        ast.UnaryOp,
        ast.Lambda,
        ast.arguments,
        ast.arg,
        ast.IfExp,
        ast.Dict,
        ast.Set,
        ast.ListComp,
        ast.SetComp,
        ast.DictComp,
        ast.GeneratorExp,
        ast.comprehension,
        ast.Compare,
        ast.Call,
        ast.keyword,
        ast.JoinedStr,
        ast.FormattedValue,
        ast.Constant,
        ast.Attribute,
        ast.Subscript,
        ast.Starred,
        ast.Name,
        ast.List,
        ast.Tuple,
        ast.Slice,
        ast.Load,
        ast.Store,
        ast.And,
        ast.Or,
        ast.Not,
        ast.Invert,
        ast.UAdd,
        ast.USub,
    }
)
_BINOPS = {
    ast.Add: "_add_",
    ast.Sub: "_sub_",
    ast.Mult: "_mul_",
    ast.Div: "_truediv_",
    ast.FloorDiv: "_floordiv_",
    ast.Mod: "_mod_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
    ast.RShift: "_rshift_",
    ast.BitOr: "_or_",
    ast.BitXor: "_xor_",
    ast.BitAnd: "_and_",
    ast.MatMult: "_matmul_",
}
_CMPOPS = {
    ast.Eq: "_eq_",
    ast.NotEq: "_ne_",
    ast.Lt: "_lt_",
    ast.LtE: "_le_",
    ast.Gt: "_gt_",
    ast.GtE: "_ge_",
    ast.Is: "_is_",
    ast.IsNot: "_is_not_",
    ast.In: "_in_",
    ast.NotIn: "_not_in_",
}
_UNARY = {ast.USub: "_neg_", ast.Invert: "_invert_"}
_CONVERSIONS = {-1: "_str_", ord("s"): "_str_", ord("r"): "_repr_", ord("a"): "_ascii_"}
_ALLOWED_NODES |= frozenset(_BINOPS) | frozenset(_CMPOPS)


# --- parsing ----------------------------------------------------------------------------------
def _parse(text: str) -> ast.Expression:
    """Parse the query (surrounding whitespace ignored); positions refer to the original text."""
    source = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    try:
        return ast.parse(source, "<query>", "eval")
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        if "too many nested" in msg or "too complex" in msg:
            raise QueryTooComplex("query is nested too deeply") from None
        line_no = exc.lineno or 1
        offset = exc.offset or 0
        if line_no == 1:
            offset += len(lead) - (lead.rfind("\n") + 1)
        line_no += lead.count("\n")
        lines = text.split("\n")
        line = lines[line_no - 1] if 0 < line_no <= len(lines) else None
        if offset < 1:
            offset = len(line) + 1 if line is not None else 1
        raise QuerySyntaxError(msg, line_no, offset, line) from None
    except ValueError as exc:  # e.g. null bytes
        raise QuerySyntaxError(str(exc), 1, 1, text.split("\n")[0]) from None
    except (RecursionError, MemoryError):
        raise QueryTooComplex("query is nested too deeply") from None


def _check_depth(tree: ast.AST) -> None:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise QueryTooComplex(f"query is nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _private(what: str) -> QueryForbidden:
    return QueryForbidden(f"{what} is not allowed in queries (names starting with '_' are private)")


# --- checks -----------------------------------------------------------------------------------
class _Checker:
    """Structural and name checks on the parsed query (recursive; depth is already bounded)."""

    def __init__(self, variables: tuple[str, ...]) -> None:
        self.variables = variables
        self.available = set(variables) | GLOBAL_NAMES
        self.mentions_archived = False

    def check(self, node: ast.AST, scope: frozenset[str]) -> None:
        t = type(node)
        if t not in _ALLOWED_NODES:
            what = _NOT_ALLOWED.get(t, t.__name__)
            raise QueryForbidden(f"{what} is not allowed in queries")
        if t is ast.Name:
            self._name(node, scope)
            return
        if t is ast.Lambda:
            self._lambda(node, scope)
            return
        if t in (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
            self._comprehension(node, scope)
            return
        if t is ast.Attribute:
            attr = node.attr  # type: ignore[attr-defined]  # t is ast.Attribute (checked by type)
            if attr.startswith("_"):
                raise _private(f"attribute '{attr}'")
            if attr in INSPECT_ATTRIBUTES:
                raise QueryForbidden(f"attribute '{attr}' is not allowed in queries")
            if attr == "archived":
                self.mentions_archived = True
        elif t is ast.Subscript:
            key = node.slice  # type: ignore[attr-defined]  # t is ast.Subscript (checked by type)
            if isinstance(key, ast.Constant) and key.value == "archived":
                self.mentions_archived = True
        elif t is ast.FormattedValue and node.format_spec is not None:  # type: ignore[attr-defined]  # t is ast.FormattedValue
            raise QueryForbidden("format specs in f-strings (f'{x:...}') are not allowed in queries")
        for child in ast.iter_child_nodes(node):
            self.check(child, scope)

    def _name(self, node: ast.Name, scope: frozenset[str]) -> None:
        name = node.id
        if not isinstance(node.ctx, ast.Load):
            raise QueryForbidden(f"assigning to '{name}' is not allowed in queries")
        if name in scope or name in self.available:
            return
        if name.startswith("_"):
            raise _private(f"name '{name}'")
        builtins = sorted(GLOBAL_NAMES - {"datetime", "timedelta"})
        names = ", ".join([*self.variables, "datetime", "timedelta", *builtins])
        raise UnknownName(f"unknown name '{name}' in query; names available: {names}")

    def _bind(self, name: str) -> str:
        if name.startswith("_") and name != "_":
            raise _private(f"name '{name}'")
        if name in _RESERVED:
            raise QueryForbidden(f"a query cannot rebind the name '{name}'")
        return name

    def _lambda(self, node: ast.Lambda, scope: frozenset[str]) -> None:
        args = node.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.check(default, scope)
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        params += [a for a in (args.vararg, args.kwarg) if a is not None]
        for param in params:
            if param.annotation is not None:
                raise QueryForbidden("annotations are not allowed in queries")
        self.check(node.body, scope | {self._bind(p.arg) for p in params})

    def _targets(self, target: ast.AST) -> list[str]:
        if isinstance(target, ast.Name):
            return [self._bind(target.id)]
        if isinstance(target, (ast.Tuple, ast.List)):
            return [name for elt in target.elts for name in self._targets(elt)]
        if isinstance(target, ast.Starred):
            return self._targets(target.value)
        raise QueryForbidden("comprehension targets must be names")

    def _comprehension(self, node: Any, scope: frozenset[str]) -> None:
        inner = set(scope)
        bound: set[str] = set()
        for i, generator in enumerate(node.generators):
            if generator.is_async:
                raise QueryForbidden("async comprehensions are not allowed in queries")
            self.check(generator.iter, scope if i == 0 else frozenset(inner))
            for name in self._targets(generator.target):
                if name in bound and name != "_":
                    # Rebinding a target inside one comprehension would carry state from one
                    # iteration to the next (accumulating values without bound).
                    raise QueryForbidden(f"'{name}' is bound twice in one comprehension")
                bound.add(name)
                inner.add(name)
            for condition in generator.ifs:
                self.check(condition, frozenset(inner))
        scope_inner = frozenset(inner)
        for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
            self.check(part, scope_inner)


# --- lazy params chains -----------------------------------------------------------------------
_LINKS = (ast.Attribute, ast.Subscript)


def _link_key(node: ast.AST) -> tuple[str, ...] | None:
    """The params keys a chain link adds when it is a constant; None for a dynamic link."""
    if isinstance(node, ast.Attribute):
        return None if node.attr in DICT_METHODS else (node.attr,)
    key = node.slice  # type: ignore[attr-defined]  # node is an ast.Subscript
    if isinstance(key, ast.Constant) and type(key.value) is str:
        return (key.value,)
    if (
        isinstance(key, ast.Tuple)
        and key.elts
        and all(isinstance(e, ast.Constant) and type(e.value) is str for e in key.elts)
    ):
        return tuple(e.value for e in key.elts)  # type: ignore[attr-defined]  # key is an ast.Tuple here
    return None


def _static_path(node: ast.AST) -> tuple[str, ...] | None:
    """The params path of a chain of constant links rooted at `run`, or None."""
    keys: list[tuple[str, ...]] = []
    first = node
    while isinstance(node, _LINKS):
        key = _link_key(node)
        if key is None:
            return None
        keys.append(key)
        first = node
        node = node.value
    if not (isinstance(node, ast.Name) and node.id == "run"):
        return None
    single = isinstance(first, ast.Attribute) or isinstance(first.slice, ast.Constant)  # type: ignore[attr-defined]  # first is an ast.Subscript when not an Attribute
    if single and keys[-1][0] in RUN_ATTRIBUTES:
        return None
    return tuple(k for key in reversed(keys) for k in key)


def _mark_chains(tree: ast.AST) -> None:
    """Set aimql_outer (resolve this link's value) and aimql_path (constant path) on chain links."""
    nodes = list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, _LINKS) and isinstance(node.ctx, ast.Load):
            node.aimql_outer = True  # type: ignore[union-attr]  # the compiler's own mark on a node
            node.aimql_path = _static_path(node)  # type: ignore[union-attr]  # the compiler's own mark on a node
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node.func.aimql_outer = False  # type: ignore[attr-defined]  # a method: resolve its object
            node.func.aimql_path = None  # type: ignore[attr-defined]  # ...and its name is no params key
            node.func.aimql_method = True  # type: ignore[attr-defined]  # the compiler's own mark on a node
    for node in nodes:
        method = getattr(node, "aimql_method", False)
        if isinstance(node, _LINKS) and not method and isinstance(node.value, _LINKS):
            node.value.aimql_outer = False  # type: ignore[union-attr]  # the compiler's own mark on a node


# --- the rewrite ------------------------------------------------------------------------------
def _call(name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    node = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    ast.copy_location(node, like)
    return node


def _no_args() -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus the guards of sandbox.py around everything that costs."""

    def _link(self, node: ast.Attribute | ast.Subscript, rewritten: ast.AST) -> ast.AST:
        if getattr(node, "aimql_outer", False):
            return _call("_resolve_", [rewritten], node)  # type: ignore[list-item]  # stubs type call args as expr; any AST node works
        return rewritten

    def _static(self, node: ast.AST) -> ast.AST | None:
        path = getattr(node, "aimql_path", None)
        if path is None:
            return None
        guard = "_param_" if getattr(node, "aimql_outer", False) else "_ref_"
        return _call(guard, [ast.Name("run", ast.Load()), ast.Constant(path)], node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        return self._static(node) or self._link(node, super().visit_Attribute(node))

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        return self._static(node) or self._link(node, super().visit_Subscript(node))

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        return _call(_BINOPS[type(node.op)], [node.left, node.right], node)

    def visit_Compare(self, node: ast.Compare) -> Any:
        node = self.node_contents_visit(node)
        guards = [_CMPOPS[type(op)] for op in node.ops]
        if len(guards) == 1:
            return _call(guards[0], [node.left, node.comparators[0]], node)
        ops = ast.Tuple([ast.Name(g, ast.Load()) for g in guards], ast.Load())
        thunks = ast.Tuple([ast.Lambda(_no_args(), c) for c in node.comparators], ast.Load())
        return _call("_chain_", [node.left, ops, thunks], node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> Any:
        node = self.node_contents_visit(node)
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                parts.append(_call(_CONVERSIONS[value.conversion], [value.value], value))
            else:
                parts.append(value)
        return _call("_fjoin_", parts, node)

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = super().visit_Lambda(node)
        if not getattr(node, "aimql_wrapper", False):  # the query's own lambdas count their calls
            node.body = ast.BoolOp(ast.And(), [_call("_tick_", [], node), node.body])
        return node

    def visit_Starred(self, node: ast.Starred) -> Any:
        node = super().visit_Starred(node)
        if isinstance(node.ctx, ast.Load):
            node.value = _call("_unpack_", [node.value], node)
        return node

    def visit_keyword(self, node: ast.keyword) -> Any:
        node = super().visit_keyword(node)
        if node.arg is None:
            node.value = _call("_unpack_map_", [node.value], node.value)
        return node

    def visit_Dict(self, node: ast.Dict) -> Any:
        _mark_inner_displays(node)
        node = super().visit_Dict(node)
        for i, key in enumerate(node.keys):
            if key is None:
                node.values[i] = _call("_unpack_map_", [node.values[i]], node.values[i])
            elif not isinstance(key, ast.Constant):
                node.keys[i] = _call("_key_", [key], key)
        return _charged_display(node)

    def visit_Set(self, node: ast.Set) -> Any:
        _mark_inner_displays(node)
        node = super().visit_Set(node)
        for i, elt in enumerate(node.elts):
            if isinstance(elt, ast.Starred):
                elt.value = _call("set", [elt.value], elt)
            elif not isinstance(elt, ast.Constant):
                node.elts[i] = _call("_key_", [elt], elt)
        return _charged_display(node)

    def visit_ListComp(self, node: ast.ListComp) -> Any:
        node = super().visit_ListComp(node)
        node.elt = _call("_elt_", [node.elt], node.elt)
        return node

    def visit_SetComp(self, node: ast.SetComp) -> Any:
        node = super().visit_SetComp(node)
        node.elt = _call("_entry_", [node.elt], node.elt)
        return node

    def visit_DictComp(self, node: ast.DictComp) -> Any:
        node = super().visit_DictComp(node)
        node.key = _call("_entry_", [node.key], node.key)
        node.value = _call("_elt_", [node.value], node.value)
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        node = self.node_contents_visit(node)
        guard = _UNARY.get(type(node.op))
        if guard is None or isinstance(node.operand, ast.Constant):  # constants fold at compile time
            return node
        return _call(guard, [node.operand], node)

    def visit_List(self, node: ast.List) -> Any:
        _mark_inner_displays(node)
        return _charged_display(super().visit_List(node))

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        _mark_inner_displays(node)
        return _charged_display(super().visit_Tuple(node))


_DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.Dict)


def _is_built(node: ast.AST) -> bool:
    """Whether a display builds a container when evaluated (not a target, not a folded constant)."""
    if not isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
        return False
    return not (isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts))


def _mark_inner_displays(node: ast.AST) -> None:
    """The displays directly inside a display are charged with it, by the outermost one."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _DISPLAYS):
            child.aimql_inner = True  # type: ignore[union-attr]  # the compiler's own mark on a node


def _display_units(node: ast.AST) -> int:
    """Allocation units of a display and of the displays nested in it (each container's header and
    slots; a dict or set entry costs ENTRY_UNITS): small displays in a comprehension add up."""
    if not isinstance(node, _DISPLAYS) or not _is_built(node):
        return 0
    slots = len(node.keys) * ENTRY_UNITS if isinstance(node, ast.Dict) else len(node.elts)
    if isinstance(node, ast.Set):
        slots *= ENTRY_UNITS
    return CONTAINER_UNITS + slots + sum(_display_units(child) for child in ast.iter_child_nodes(node))


def _charged_display(node: Any) -> Any:
    """Every display that builds a container, built per evaluation (in a comprehension, per item),
    is charged with everything nested in it, before the next one is built."""
    if getattr(node, "aimql_inner", False) or not _is_built(node):
        return node
    return _call("_alloc_", [ast.Constant(_display_units(node)), node], node)


def _compile_part(body: ast.expr, params: tuple[str, ...], namespace: dict[str, Any]) -> Any:
    """`lambda <params>: <body>`, rewritten, compiled and evaluated in namespace."""
    args = _no_args()
    args.args = [ast.arg(p) for p in params]
    wrapper = ast.Lambda(args, body)
    wrapper.aimql_wrapper = True  # type: ignore[attr-defined]  # the compiler's own mark on a node
    ast.copy_location(wrapper, body)
    tree = ast.Expression(wrapper)
    policy = _Policy()
    tree = policy.visit(tree)
    if policy.errors:
        raise QueryForbidden("; ".join(policy.errors))
    ast.fix_missing_locations(tree)
    return eval(compile(tree, "<query>", "eval"), namespace)


def _names_required(conjuncts: list[ast.expr], variable: str) -> frozenset[str] | None:
    """The sequence names one of the conjuncts (all of which must hold) restricts a match to."""
    for node in conjuncts:
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
            continue
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(op, ast.Eq) and _is_name_of(right, variable):
            left, right = right, left
        if not _is_name_of(left, variable):
            continue
        if isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
            return frozenset({right.value})
        if isinstance(op, ast.In) and isinstance(right, (ast.List, ast.Tuple, ast.Set)):
            items = right.elts
            if all(isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items):
                return frozenset(i.value for i in items)  # type: ignore[attr-defined]  # items are ast.Constant here
    return None


def _is_name_of(node: ast.AST, variable: str) -> bool:
    """Whether node is `<variable>.name`."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "name"
        and isinstance(node.value, ast.Name)
        and node.value.id == variable
    )


def _uses(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _conjunction(parts: list[ast.expr]) -> ast.expr | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    node = ast.BoolOp(ast.And(), parts)
    ast.copy_location(node, parts[0])
    return node


# --- the query --------------------------------------------------------------------------------
class Query:
    """An AimQL query compiled for one target; evaluates rows under its Budget.

    Not thread-safe: one Query (and its Budget) serves one request in one thread.
    """

    def __init__(self, text: str, target: str, budget: Budget | None = None) -> None:
        if target not in TARGETS:
            raise ValueError(f"unknown query target {target!r}; expected one of {', '.join(TARGETS)}")
        self.text = text
        self.target = target
        self.variable = TARGETS[target]
        self.budget = budget if budget is not None else Budget()
        self.mentions_archived = False
        self.has_sequence_part = False
        # Names a matching sequence must have, when a top-level conjunct says so
        # (`metric.name == "loss"`, `metric.name in ("loss", "acc")`): the engine then reads the
        # metadata of those sequences only. None: any name may match.
        self.sequence_names: frozenset[str] | None = None
        # A runs query that mentions a sequence variable (`metric.last < 0.1`): a run matches
        # when one of its sequences of that kind does (the engine stops at the first).
        self.sequence_kind: str | None = None
        self._run_part: Any = None
        self._sequence_part: Any = None
        if len(text) > MAX_QUERY_CHARS:
            raise QueryTooComplex(f"query is longer than {MAX_QUERY_CHARS} characters")
        if not text.strip():
            return
        tree = _parse(text)
        _check_depth(tree)
        if target == "runs":
            self._runs_over_sequences(tree)
        variables = ("run",) if self.variable is None else ("run", self.variable)
        checker = _Checker(variables)
        checker.check(tree, frozenset())
        self.mentions_archived = checker.mentions_archived
        _mark_chains(tree)

        run_part, sequence_part = self._split(tree.body)
        namespace = Sandbox(self.budget).namespace()
        if run_part is not None:
            self._run_part = _compile_part(run_part, ("run",), namespace)
        if sequence_part is not None:
            self.has_sequence_part = True
            self._sequence_part = _compile_part(sequence_part, variables, namespace)

    def _runs_over_sequences(self, tree: ast.AST) -> None:
        """Make a runs query that mentions one sequence variable a query over its sequences."""
        mentioned = [kind for kind, variable in TARGETS.items() if variable and _uses(tree, variable)]
        if len(mentioned) > 1:
            raise QueryForbidden(
                f"a runs query can test one kind of sequence, this one mentions {' and '.join(mentioned)}"
            )
        if mentioned:
            self.sequence_kind = mentioned[0]
            self.variable = TARGETS[mentioned[0]]

    def _split(self, body: ast.expr) -> tuple[ast.expr | None, ast.expr | None]:
        variable = self.variable
        if variable is None or not _uses(body, variable):
            return body, None
        if isinstance(body, ast.BoolOp) and isinstance(body.op, ast.And):
            run_parts = [v for v in body.values if not _uses(v, variable)]
            sequence_parts = [v for v in body.values if _uses(v, variable)]
            self.sequence_names = _names_required(sequence_parts, variable)
            return _conjunction(run_parts), _conjunction(sequence_parts)
        self.sequence_names = _names_required([body], variable)
        return None, body

    def match_run(self, run: RunView) -> bool:
        """Whether the run-level part of the query holds for run (the whole query for "runs")."""
        return self._holds(self._run_part, run)

    def match_sequence(self, run: RunView, sequence: SequenceView) -> bool:
        """Whether the rest of the query holds for one sequence of a run that passed match_run."""
        return self._holds(self._sequence_part, run, sequence)

    def _holds(self, part: Any, *row: Any) -> bool:
        """part(*row) as a bool: False when the row's data does not fit the expression; a
        QueryError when the query itself is at fault. Only this evaluation counts against the
        time budget (its CPU time)."""
        with self.budget.evaluating():
            self.budget.check()
            if part is None:
                return True
            self.budget.start_row()
            return self._evaluate(part, row)

    def _evaluate(self, part: Any, row: tuple[Any, ...]) -> bool:
        try:
            return bool(part(*row))
        except QueryError:
            raise
        except _ROW_ERRORS:
            return False
        except Exception as exc:
            failure = _query_failure(exc)
            if failure is exc:
                raise
            raise failure from exc

    def __repr__(self) -> str:
        return f"Query({self.text!r}, {self.target!r})"


def _query_failure(exc: Exception) -> Exception:
    """The QueryError for an exception that is the query's fault, or exc itself (storage errors)."""
    if isinstance(exc, RecursionError):
        return BudgetExceeded("query recursed too deeply")
    if isinstance(exc, MemoryError):
        return BudgetExceeded("query ran out of memory")
    if isinstance(exc, NameError):
        return QueryForbidden(f"query failed: {exc}")
    return exc
