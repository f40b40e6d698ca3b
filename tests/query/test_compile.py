"""Compiling a query: errors at construction, the run/sequence split, and mentions_archived."""

from __future__ import annotations

import pytest

from aimd.query import (
    BudgetExceeded,
    Query,
    QueryError,
    QueryForbidden,
    QuerySyntaxError,
    QueryTooComplex,
    SequenceView,
    UnknownName,
)
from aimd.query.compile import MAX_QUERY_CHARS
from tests.query.helpers import evaluate, make_run, matching_runs, seeded


def test_error_classes_share_one_root():
    for cls in (QuerySyntaxError, UnknownName, QueryTooComplex, QueryForbidden, BudgetExceeded):
        assert issubclass(cls, QueryError)
    assert not issubclass(QueryError, (TypeError, ValueError, LookupError, ArithmeticError))


# --- empty queries and targets --------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_an_empty_query_matches_everything(text):
    query = Query(text, "metric")
    view = make_run().view()
    assert query.match_run(view) and query.match_sequence(view, SequenceView("x", {}, {}, view))
    assert not query.has_sequence_part and not query.mentions_archived


def test_surrounding_whitespace_is_ignored():
    assert matching_runs(seeded(), "\n  run.batch_size == 64  \n") == ["run_2"]


def test_an_unknown_target_is_a_programming_error():
    with pytest.raises(ValueError, match="target"):
        Query("run.x", "nope")


# --- syntax errors --------------------------------------------------------------------------------
def test_syntax_error_has_line_and_column():
    with pytest.raises(QuerySyntaxError) as info:
        Query("run.a == (1 +", "runs")
    assert info.value.lineno == 1 and info.value.offset >= 1
    assert "in query at line 1, column" in str(info.value)


@pytest.mark.parametrize("text", ["run.x = 1", "run.a == (1 +", "run.x )", "run.x\n== 1", "f(a b)", "'abc"])
def test_syntax_error_position_is_that_of_python(text):
    with pytest.raises(SyntaxError) as python:
        compile(text, "<query>", "eval")
    with pytest.raises(QuerySyntaxError) as info:
        Query(text, "runs")
    error = info.value
    assert (error.msg, error.lineno, error.offset) == (
        python.value.msg,
        python.value.lineno,
        python.value.offset,
    )
    assert error.text == text.split("\n")[error.lineno - 1]
    assert str(error) == f"{error.msg} in query at line {error.lineno}, column {error.offset}"


def test_syntax_error_at_the_end_points_past_the_text():
    with pytest.raises(QuerySyntaxError) as info:
        Query("run.hparams.lr >", "runs")
    assert (info.value.lineno, info.value.offset) == (1, len("run.hparams.lr >") + 1)
    assert str(info.value) == "invalid syntax in query at line 1, column 17"


def test_syntax_error_positions_count_the_stripped_whitespace():
    with pytest.raises(QuerySyntaxError) as info:
        Query("\n   run.x )", "runs")
    assert (info.value.lineno, info.value.offset) == (2, 10)


@pytest.mark.parametrize("text", ["run.x\x00", "import os", "x = 1", "run.x; run.y"])
def test_statements_and_garbage_are_syntax_errors(text):
    with pytest.raises(QuerySyntaxError):
        Query(text, "runs")


# --- names ----------------------------------------------------------------------------------------
def test_unknown_name_lists_what_is_available():
    with pytest.raises(UnknownName) as info:
        Query("lr > 1", "metric")
    message = str(info.value)
    assert message.startswith(
        "unknown name 'lr' in query; names available: run, metric, datetime, timedelta, "
    )
    assert "sorted" in message and "getattr" not in message


def test_a_runs_query_may_test_one_kind_of_sequence():
    assert Query("metric.name == 'loss' and run.hparams.lr > 0", "runs").sequence_kind == "metric"
    assert Query("images.count > 1", "runs").sequence_kind == "images"
    assert Query("run.hparams.lr > 0", "runs").sequence_kind is None
    with pytest.raises(QueryForbidden, match="metric and images"):
        Query("metric.name == 'loss' or images.count > 1", "runs")


def test_names_bound_in_the_query_are_known_only_where_bound():
    assert evaluate("[x for x in [1, 2] if x > 1] == [2]")
    assert evaluate("(lambda a, *b, c=1, **d: a + c)(1) == 2")
    assert evaluate("{k: v for k, (v, _) in [('a', (1, 2))]} == {'a': 1}")
    with pytest.raises(UnknownName, match="'x'"):
        Query("[x for x in [1]] and x", "runs")
    with pytest.raises(UnknownName, match="'y'"):
        Query("[y for x in [y for y in [1]]]", "runs")


@pytest.mark.parametrize(
    "text",
    [
        "[1 for run in [1]]",
        "(lambda len: len)(1)",
        "[x for x in [1] for datetime in [2]]",
        "(lambda metric: 1)(2)",
    ],
)
def test_query_names_cannot_be_rebound(text):
    with pytest.raises(QueryForbidden, match="cannot rebind"):
        Query(text, "runs")


def test_a_comprehension_cannot_carry_values_across_iterations():
    with pytest.raises(QueryForbidden, match="bound twice"):
        Query("[y for y in [1] for x in range(3) for y in [y + y]]", "runs")
    assert evaluate("[1 for _ in range(2) for _ in range(2)] == [1] * 4")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("run._props", "'_props'"),
        ("__import__('os')", "'__import__'"),
        ("[_x for _x in [1]]", "'_x'"),
        ("(x := 1)", ":="),
        ("[x for x.y in [1]]", "comprehension targets"),
        ("(x for x in []).gi_frame", "'gi_frame'"),
        ("f'{1:>10}'", "format specs"),
        ("f'{run.name!r:>{10}}'", "format specs"),
        ("lambda: (yield)", "yield"),
    ],
)
def test_forbidden_constructs_are_refused_at_compile_time(text, fragment):
    with pytest.raises(QueryForbidden) as info:
        Query(text, "runs")
    assert fragment in str(info.value)


# --- complexity -----------------------------------------------------------------------------------
def test_long_queries_are_refused():
    Query("1 or " * ((MAX_QUERY_CHARS - 1) // 5) + "1", "runs")
    with pytest.raises(QueryTooComplex, match="longer than"):
        Query("x" * (MAX_QUERY_CHARS + 1), "runs")


@pytest.mark.parametrize(
    "text",
    [
        "-" * 200 + "1",
        "not " * 150 + "run",
        "abs(" * 120 + "1" + ")" * 120,
        "[" * 120 + "]" * 120,
        "run" + ".a" * 150,
        "1" + " + 1" * 150,
        "-" * 9000 + "1",
        "(" * 5000 + ")" * 5000,
    ],
)
def test_deep_queries_are_refused(text):
    with pytest.raises(QueryTooComplex):
        Query(text, "runs")


def test_queries_just_under_the_depth_limit_compile_and_run():
    assert evaluate("-" * 90 + "1 == 1")
    assert evaluate("[" * 45 + "]" * 45)
    assert evaluate("run" + ".a" * 90 + " == None")


# --- f-strings ------------------------------------------------------------------------------------
def test_f_strings_with_conversions():
    assert evaluate("f'{run.name}-{run.x}' == 'run-1'", {"x": 1})
    assert evaluate("f'{run.name!r}' == \"'run'\" and f'{run.name!s}' == 'run'")
    assert evaluate("f'{\"é\"!a}' == \"'\\\\xe9'\"")
    assert evaluate("f'{[1, 2]}' == '[1, 2]' and f'{run.nope}' == 'None'")


# --- the run/sequence split -----------------------------------------------------------------------
def test_conjuncts_without_the_sequence_variable_form_the_run_part():
    query = Query("run.lr > 0.05 and metric.name == 'loss' and run.lr < 1", "metric")
    assert query.has_sequence_part
    view = make_run(params={"lr": 0.1}).view()
    assert query.match_run(view)
    assert query.match_sequence(view, SequenceView("loss", {}, {}, view))
    assert not query.match_sequence(view, SequenceView("acc", {}, {}, view))
    assert not query.match_run(make_run(params={"lr": 0.01}).view())


def test_the_run_part_alone_leaves_no_sequence_part():
    query = Query("run.lr > 0.05", "metric")
    view = make_run(params={"lr": 0.1}).view()
    assert not query.has_sequence_part
    assert query.match_sequence(view, SequenceView("anything", {}, {}, view))


def test_a_mixed_or_is_all_sequence_part():
    query = Query("run.lr > 1 or metric.name == 'loss'", "metric")
    view = make_run(params={"lr": 0.1}).view()
    assert query.has_sequence_part and query.match_run(view)
    assert query.match_sequence(view, SequenceView("loss", {}, {}, view))
    assert not query.match_sequence(view, SequenceView("acc", {}, {}, view))


def test_the_run_part_is_evaluated_once_per_run_and_decides_for_all_its_sequences():
    run = make_run(params={"lr": 0.1}, sequences=[("loss", {"i": i}, {}) for i in range(20)])
    query = Query("run.lr > 0.05 and metric.context.i % 2 == 0", "metric")
    view = run.view()
    assert query.match_run(view)
    matched = [
        ctx["i"]
        for name, ctx, seq_info in run.sequences
        if query.match_sequence(view, SequenceView(name, ctx, seq_info, view))
    ]
    assert matched == list(range(0, 20, 2))
    assert run.loaded == [("lr",)]


# --- mentions_archived ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, mentions",
    [
        ("run.archived", True),
        ("run['archived'] == True", True),
        ("not run.archived and run.x", True),
        ("run.name == 'archived'", False),
        ("'archived' in run.tags", False),
        ("run.hparams.lr > 0", False),
    ],
)
def test_mentions_archived(text, mentions):
    assert Query(text, "runs").mentions_archived is mentions


def test_archived_by_attribute_and_item():
    assert evaluate("run.archived and run['archived']", archived=True)
    assert not evaluate("run.archived", archived=False)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('metric.name == "loss"', {"loss"}),
        ('"loss" == metric.name and run.hparams.lr > 0', {"loss"}),
        ('metric.name in ("loss", "acc") and metric.context.subset == "val"', {"loss", "acc"}),
        ('metric.name == "loss" or metric.name == "acc"', None),  # not a conjunct: any name
        ('metric.name != "loss"', None),
        ("metric.name == run.name", None),
        ('metric.context.subset == "val"', None),
    ],
)
def test_names_a_match_must_have_narrow_the_sequences_read(text, names):
    query = Query(text, "metric")
    assert query.sequence_names == (None if names is None else frozenset(names))
