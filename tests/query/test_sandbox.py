"""The guards: ordinary Python still works in queries, within a Budget that bounds time and size."""

from __future__ import annotations

import time

import pytest

from aimd.query import Budget, BudgetExceeded, Query, QueryForbidden
from aimd.query.sizes import MAX_NESTING, weight
from tests.query.helpers import evaluate, make_run

PARAMS = {"layers": [1, 2, 3], "title": "Base-Model", "opt": {"lr": 0.1}, "words": ["a", "b"]}


# --- legitimate queries ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "'lr' in run.opt.keys() and 'lr' in run.opt and 0.1 in run.opt.values()",
        "sum(run.layers) == 6 and sum(run.layers, 10) == 16 and sum(x / 2 for x in run.layers) == 3.0",
        "sum(range(100000)) == 4999950000 and sum([0.5, 0.25]) == 0.75",
        "len(run.tags) == 0 and len(run.layers) == 3",
        "[x * 2 for x in run.layers][0] == 2",
        "run.title.lower().startswith('base') and run.title.upper().endswith('MODEL')",
        "f'{run.name}' == 'run'",
        "max(run.layers) == 3 and min(run.layers) == 1 and max(1, 5, 2) == 5 and min([], default=7) == 7",
        "max(run.words, key=len) == 'a' and min(['bb', 'a'], key=len) == 'a'",
        "sorted(run.layers, reverse=True) == [3, 2, 1] and sorted(run.layers, key=lambda x: -x) == [3, 2, 1]",
        "sorted([(2, 'b'), (1, 'z'), (2, 'a')]) == [(1, 'z'), (2, 'a'), (2, 'b')]",
        "any(x > 2 for x in run.layers) and all(x > 0 for x in run.layers) and not any([])",
        "list(enumerate(run.words, 1)) == [(1, 'a'), (2, 'b')]",
        "list(zip(run.layers, run.words)) == [(1, 'a'), (2, 'b')]",
        "list(reversed(run.layers)) == [3, 2, 1]",
        "tuple(run.layers) == (1, 2, 3) and set(run.layers) == {1, 2, 3} and dict(a=1) == {'a': 1}",
        "dict([('a', 1)], b=2) == {'a': 1, 'b': 2} and list('ab') == ['a', 'b']",
        "int('12') + int(3.9) + int('ff', 16) == 270 and float('1.5') == 1.5 and bool(run.layers)",
        "str(12) == '12' and repr('a') == \"'a'\" and str([1, 'a']) == \"[1, 'a']\" and str() == ''",
        "round(2.567, 2) == 2.57 and round(2.5) == 2 and round(1234, -2) == 1200",
        "abs(-3) == 3 and divmod(7, 2) == (3, 1) and pow(2, 10) == 1024 and pow(2, 10, 1000) == 24",
        "2 ** 10 == 1024 and 1 << 10 == 1024 and 1024 >> 3 == 128 and 7 // 2 == 3 and 7 % 3 == 1",
        "2 ** -1 == 0.5 and (-2) ** 3 == -8 and 10 ** 100 > 0 and 2 ** 0.5 > 1.41",
        "(6 & 3) == 2 and (6 | 3) == 7 and (6 ^ 3) == 5 and ~5 == -6 and -run.layers[0] == -1",
        "{1, 2} | {3} == {1, 2, 3} and {1, 2} - {1} == {2} and run.opt.keys() & {'lr'} == {'lr'}",
        "'ab' * 3 == 'ababab' and [0] * 3 == [0, 0, 0] and 3 * (1,) == (1, 1, 1) and 'a' + 'b' == 'ab'",
        "[1] + [2] == [1, 2] and (1,) + (2,) == (1, 2)",
        "'-'.join(run.words) == 'a-b' and 'a,b'.split(',') == run.words and 'aXa'.replace('X', '') == 'aa'",
        "'abc'.find('c') == 2 and 'abc'.index('b') == 1 and 'aaa'.count('a') == 3 and ' x '.strip() == 'x'",
        "'a b'.partition(' ') == ('a', ' ', 'b') and 'x.y'.rsplit('.', 1) == ['x', 'y']",
        "'Ab'.casefold() == 'ab' and 'Ab'.nope == None",
        "'abc'.removeprefix('a') == 'bc' and 'a1'.isalnum() and '12'.isdigit() and 'a'.islower()",
        "run.layers.index(2) == 1 and run.layers.count(3) == 1 and (1, 1).count(1) == 2",
        "run.layers[::-1] == [3, 2, 1] and run.title[:4] == 'Base' and run.layers[1:] == [2, 3]",
        "1 < run.layers[1] < 3 and not (1 < run.layers[1] < 2) and 0 <= 0 < 1 <= 1",
        "run.layers[0] is not None and run.layers[0] in run.layers and 4 not in run.layers",
        "[*run.layers, *run.words] == [1, 2, 3, 'a', 'b'] and {**run.opt, 'b': 2} == {'lr': 0.1, 'b': 2}",
        "max(*run.layers) == 3 and dict(**run.opt) == {'lr': 0.1}",
        "{x % 2 for x in run.layers} == {0, 1} and {x: x * x for x in run.layers}[3] == 9",
        "{(1, 2): 'a'}[(1, 2)] == 'a' and {(1, 2)} == {(1, 2)} and (1, 2) in {(1, 2): 0}",
        "[k for k, v in run.opt.items() if v > 0] == ['lr']",
        "[a + b for a, (b, c) in [(1, (2, 3))]] == [3]",
        "(lambda x: x + 1)(1) == 2 and list(x for x in range(3)) == [0, 1, 2]",
        "datetime(2020, 1, 1) + timedelta(days=1) == datetime(2020, 1, 2)",
        "timedelta(hours=2).total_seconds() == 7200 and timedelta(days=1, seconds=5).seconds == 5",
        "datetime(2024, 2, 29).weekday() == 3 and datetime(2024, 2, 29).isoweekday() == 4",
        "run.opt.lr * 10 == 1.0 and run.opt.lr / 2 == 0.05 and 1e308 * 10 > 0",
        "len(str(2 ** 1000)) == 302 and int('9' * 4000) > 0",
        "[1, [2, 3]] == [1, [2, 3]] and [1, 2] < [1, 3] and (1, 'a') != (1, 'b')",
        "isinstance(run.opt.lr, float) and isinstance(run.layers, (list, tuple)) and not isinstance(1, str)",
        "isinstance(True, int) and isinstance(datetime(2020, 1, 1), datetime) and isinstance({}, dict)",
        "math.floor(2.5) == 2 and math.ceil(2.5) == 3 and math.isinf(math.inf) and math.pi > 3",
    ],
)
def test_legitimate_queries_work(text):
    assert evaluate(text, PARAMS), text


def test_run_name_methods():
    assert evaluate("run.name.lower().startswith('base')", name="Base-1")


def test_comparisons_of_incompatible_types_are_false_not_errors():
    assert evaluate("not ([1] < 'a') and not ({} < {}) and not (None > 0) and 'a' not in [1, 2]")
    assert evaluate("not (1 in 'abc') and not ([] in {1: 2})")


def test_chained_comparisons_evaluate_each_operand_once():
    run = make_run(params={"x": 5})
    query = Query("0 < run.x < 10 > run.x >= 5", "runs")
    assert query.match_run(run.view())
    assert run.loaded == [("x",)]


def test_dict_attribute_access_on_values():
    assert evaluate("run.opt.lr == 0.1 and run.opt.nope == None and {'a': {'b': 1}}['a'].b == 1", PARAMS)
    with pytest.raises(QueryForbidden, match="'update' of dict"):
        evaluate("run.opt.update({})", PARAMS)


# --- runtime refusals are errors, not empty results -----------------------------------------------
@pytest.mark.parametrize(
    "text, fragment",
    [
        ("'{0.__class__}'.format(run)", "'format' of str"),
        ("run.name.format_map({})", "'format_map' of str"),
        ("run.layers.append(4)", "'append' of list"),
        ("set().add(1)", "'add' of set"),
        ("datetime.max", "'max' of class datetime"),
        ("timedelta.resolution", "of class timedelta"),
        ("len.x", "of a function"),
        ("(lambda: 0).x", "of a function"),
        ("datetime.now.x", "of a function"),
        ("'%s' % 1", "string formatting with %"),
        ("metric.nmae == 'loss'", "a sequence has no attribute 'nmae'"),
        ("run.name.zfill(10)", "'zfill' of str"),
        ("(1).real", "'real' of int"),
        ("math.factorial(5)", "math.factorial is not allowed"),
    ],
)
def test_forbidden_attributes_at_run_time_raise(text, fragment):
    query = Query(text, "metric")
    view = make_run(params=PARAMS).view()
    from aimd.query import SequenceView

    with pytest.raises(QueryForbidden) as info:
        query.match_run(view) and query.match_sequence(view, SequenceView("loss", {}, {}, view))
    assert fragment in str(info.value)


def test_an_attribute_a_value_does_not_have_is_missing():
    assert evaluate("run.name.nope == None and run.layers.nope == None and run.opt.lr.nope is None", PARAMS)


# --- the budget -----------------------------------------------------------------------------------
def test_an_expired_budget_stops_at_the_next_row(monkeypatch):
    cpu = [10.0]  # the evaluating thread's CPU clock
    monkeypatch.setattr("aimd.query.budget.time.thread_time", lambda: cpu[0])
    budget = Budget(seconds=0.05)
    query = Query("run.x == 1", "runs", budget)
    view = make_run(params={"x": 1}).view()
    assert query.match_run(view)
    with budget.evaluating():
        cpu[0] += 0.06
    with pytest.raises(BudgetExceeded, match=r"query exceeded its 0\.05 s time budget"):
        query.match_run(view)


def test_the_time_budget_stops_a_long_row():
    query = Query("[x for x in range(10**6) for y in range(10**6) if x < 0]", "runs", Budget(seconds=0.2))
    started = time.thread_time()  # the budget is CPU time: a busy machine does not fail this
    with pytest.raises(BudgetExceeded, match="time budget"):
        query.match_run(make_run().view())
    assert time.thread_time() - started < 1.0


def test_the_allocation_budget_holds_per_row():
    """Nothing a row builds outlives it, so many small rows pass where one big row does not."""
    budget = Budget(max_total_items=10_000)
    view = make_run().view()
    small = Query("len(list(range(600))) == 600", "runs", budget)
    for _ in range(100):  # 120,000 items in all, 1,200 a row
        assert small.match_run(view)
    big = Query("len(list(range(6000))) == 6000", "runs", Budget(max_total_items=10_000))
    with pytest.raises(BudgetExceeded, match="allocated more than 10000 items for one row"):
        big.match_run(view)


@pytest.mark.parametrize(
    "text, message",
    [
        ("'a' * 1001", "query built a string of more than 1000 characters"),
        ("[0] * 1001", "query built a list of more than 1000 items"),
        ("[[0] * 500] * 3", "query built a list of more than 1000 items"),
        ("(1,) * 600 + (2,) * 600", "query built a tuple of more than 1000 items"),
        ("list(range(1001))", "query built a range of more than 1000 items"),
        ("list(x for x in range(1000) for y in range(2))", "query built a list of more than 1000 items"),
        ("2 ** 200", "query built an integer of more than 100 bits"),
        ("1 << 101", "query built an integer of more than 100 bits"),
        ("(2 ** 60) * (2 ** 60)", "query built an integer of more than 100 bits"),
        ("list(range(600)) == list(range(600))", "query used a comparison of more than 1000 items"),
        ("sorted([[0] * 600, [1] * 600])", "query used a sort of more than 1000 items"),
    ],
)
def test_size_limits(text, message):
    query = Query(text, "runs", Budget(max_items=1000, max_int_bits=100))
    with pytest.raises(BudgetExceeded) as info:
        query.match_run(make_run().view())
    assert str(info.value) == message


def test_weight_counts_nested_items_per_reference():
    budget = Budget()
    inner = [0] * 10
    assert weight([inner, inner, {"a": inner}], 1000, budget) == 3 + 10 + 10 + 1 + 10
    assert weight("abc", 1000, budget) == 0
    assert weight([inner] * 100, 50, budget) > 50  # stops early past the cap


def test_weight_refuses_deep_nesting():
    nested: list = []
    for _ in range(MAX_NESTING + 5):
        nested = [nested]
    with pytest.raises(BudgetExceeded, match="nested more than"):
        weight(nested, 10**6, Budget())


def test_recursion_is_a_budget_error():
    with pytest.raises(BudgetExceeded, match="recursed too deeply"):
        evaluate("(lambda f: f(f))(lambda f: f(f))")


def test_storage_errors_are_not_hidden_as_non_matches():
    run = make_run()

    def broken(path):
        raise KeyError("corrupt")

    run.load_param = broken
    with pytest.raises(RuntimeError, match="reading params"):
        Query("run.x == 1", "runs").match_run(run.view())
