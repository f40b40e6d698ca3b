"""Hostile queries: each fails with a QueryError subclass (from Query() or from matching), with a
message, well within its budget; ordinary queries keep working alongside."""

from __future__ import annotations

import time

import pytest

from aimd.query import (
    Budget,
    BudgetExceeded,
    Query,
    QueryError,
    QueryForbidden,
    QueryTooComplex,
    SequenceView,
)
from tests.query.helpers import make_run

RESOURCE_BOMBS = [
    # ints
    "10**10**10",
    "2**(2**40)",
    "9**9**9**9",
    "1<<10**10",
    "pow(3, 10**5000, 10**5000)",
    "round(5, -10**6)",
    "[-b for b in [10**99999] for x in range(10**6)]",
    "[b // 3 for b in [10**99999] for x in range(10**6)]",
    "list(range(10**99999, 10**99999 + 10**6))",
    "enumerate(range(10), 10**99999)",
    # strings
    "'a'*10**10",
    "(('a'*10**6)+'b')*1000",
    "'-'.join(['a'*10**6]*10**6)",
    "('a'*10**5).replace('a', 'a'*10**5)",
    "str([[0]*1000]*1000) * 1000",
    "len(str(list(range(10**6))))",
    "int('9'*10**6)",
    "str(10**5000)",
    'f\'{"a"*10**6}{"a"*10**6}\'',
    "[s.split() for s in ['a '*500000] for i in range(1000)]",
    "[s.upper() for s in ['a'*10**6] for i in range(1000)]",
    # sequences and loops
    "[0]*10**10",
    "[[0]*10**6]*10**6",
    "[[0]*10**6 for x in range(10**6)]",
    "sum(range(10**10))",
    "len(list(range(10**12)))",
    "[x for x in range(10**7) for y in range(10**7)]",
    "[x for x in range(10**6) for y in range(10**6)]",
    "any(True for x in range(10**9) if x < 0)",
    "max(range(10**10))",
    "sorted(range(10**9))",
    "sum([[1]]*10**6, [])",
    "[*range(10**6), *range(10**6)] and [[*range(10**6)] for x in range(100)]",
    "[(" + "x, " * 3000 + ") for x in range(10**6)]",
    "{tuple(range(10**6)): 0 for x in range(10**6)}",
    "[1]*10**6 == [1]*10**6",
    "max(l for l in [list(range(10**5))] for i in range(100))",
    "sorted(range(10**6), key=lambda x: [x]*100)",
    "run.metrics['loss', {'a': list(range(10**6))}]",
    # one C call that compares, counts, sorts or hashes far more than the items it is given
    "(lambda s: (s[:-1]+'b') in [s]*10**6)('a'*10**6)",
    "(lambda s: ([s]*10**6).count(s[:-1]+'b'))('a'*10**6)",
    "(lambda s: ([s]*10**6).index(s[:-1]+'b'))('a'*10**6)",
    # (t equals s but is another object: each compare reads all of both)
    "(lambda s, t: [[s]*500]*500 == [[t]*500]*500)('a'*10**5, 'a'*(10**5-1)+'a')",
    "(lambda s, t: [[s]*500]*500 < [[t]*500]*500)('a'*10**5, 'a'*(10**5-1)+'a')",
    "(lambda s, t: [s]*500 in reversed([[t]*499+['']]*10**4))('a'*10**5, 'a'*(10**5-1)+'a')",
    "sorted([10**30000]*10**4)",
    "max([10**30000]*10**5)",
    "(lambda t: {t: 0})(tuple([10**30000]*10**6))",
    "(lambda t: t in {1})(tuple([10**30000]*10**6))",
    "set([tuple([10**30000]*10**3)]*10**3)",
    # memory: small displays nested in a comprehension add up
    "len([((((x,),),),) for x in range(10**6)])",
    "len([[(x, x), (x, x)] for x in range(10**6)])",
    "len([{'a': (x,)} for x in range(10**6)])",
    # time
    "[str(10**4000) for x in range(10**6)]",
    # recursion
    "(lambda f: f(f))(lambda f: f(f))",
    "(lambda f: f(f, 0))(lambda f, n: f(f, n+1) + f(f, n+1))",
    "(lambda f: f(f, (), 0))(lambda f, t, n: t if n > 900 else f(f, (t,), n+1)) == 1",
]

TOO_COMPLEX = [
    "(" * 5000 + "1" + ")" * 5000,
    "-" * 50000 + "1",
    "-" * 9000 + "1",
    "[" * 200 + "]" * 200,
    "1 + " * 2000 + "1",
    "x" * 1_000_000,
    "[" * 60 + "[0]" + "]" * 60 + " and " + "not " * 120 + "1",
]

ESCAPES = [
    "run.__class__",
    "run.__dict__",
    "run._props",
    "().__class__.__bases__[0].__subclasses__()",
    "'{0.__class__}'.format(run)",
    "'{x}'.format_map({'x': 1})",
    "(x for x in []).gi_frame",
    "(lambda: 0).__code__",
    "getattr(run, 'x')",
    "__import__('os')",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('1')",
    "globals()",
    "vars(run)",
    "type(run)",
    "datetime.__subclasses__",
    "run.metrics.__init__",
    "datetime.now().__reduce__()",
    "[].append",
    "{}.update",
    "set().add",
    "'%099999999d' % 1",
    "f'{1:099999999}'",
    "(f := lambda: 0)",
    "[y for y in [1] for x in range(10**6) for y in [y + y]]",
    "datetime.max",
    "len.__self__",
    "run.hparams.gi_code",
    "'a'.zfill(10**9)",
    "'a'.center(10**9)",
    "run.hparams.lr.conjugate()",
]


def attempt(text: str, target: str = "runs", seconds: float = 1.0) -> QueryError:
    """Compile and match text against one run (and a sequence); the QueryError it must raise."""
    started = time.thread_time()  # the budget is CPU time: a busy machine does not fail this
    with pytest.raises(QueryError) as info:
        query = Query(text, target, Budget(seconds=seconds))
        view = make_run(params={"hparams": {"lr": 0.1}}).view()
        if query.match_run(view) and target != "runs":
            query.match_sequence(view, SequenceView("loss", {"subset": "train"}, {}, view))
    elapsed = time.thread_time() - started
    assert elapsed < 3.0, f"{text[:80]!r} took {elapsed:.2f} s of CPU"
    assert str(info.value)
    return info.value


@pytest.mark.parametrize("text", RESOURCE_BOMBS, ids=lambda t: t[:50])
def test_resource_bombs_exceed_the_budget(text):
    assert isinstance(attempt(text), BudgetExceeded)


@pytest.mark.parametrize("text", TOO_COMPLEX, ids=lambda t: t[:20])
def test_huge_or_deep_texts_are_too_complex(text):
    assert isinstance(attempt(text), QueryTooComplex)


@pytest.mark.parametrize("text", ESCAPES, ids=lambda t: t[:50])
def test_escapes_are_refused_with_a_clear_error(text):
    error = attempt(text)
    assert not isinstance(error, BudgetExceeded)


def test_hostile_sequence_queries_fail_too():
    assert isinstance(attempt("metric.name == 'loss' and metric.__class__", "metric"), QueryForbidden)
    assert isinstance(attempt("run.x == None and [0] * len(metric.name) * 10**9", "metric"), BudgetExceeded)
    assert isinstance(attempt("metric.context.subset.format()", "metric"), QueryForbidden)


def test_errors_name_what_is_not_allowed():
    assert "'__class__'" in str(attempt("run.__class__"))
    assert "'format' of str" in str(attempt("'{0.__class__}'.format(run)"))
    assert "'getattr'" in str(attempt("getattr(run, 'x')"))
    assert "1000000 characters" in str(attempt("'a'*10**10"))
    assert "100000 bits" in str(attempt("10**10**10"))
    assert "1.0 s time budget" in str(attempt("[s.count('a') for s in ['a'*10**6] for x in range(10**6)]"))


LEGITIMATE = [
    "'lr' in run.hparams.keys()",
    "sum(run.hparams.layers) > 10",
    "len(run.tags) == 0",
    "[x*2 for x in run.hparams.layers][0] == 2",
    "run.name.lower().startswith('base')",
    "f'{run.name}' == 'base-1'",
    "sum(range(100000)) >= 0",
    "len(list(range(10**6))) == 10**6",
    "'a' * 10**6 != ''",
    "2 ** 10000 > 0",
    "sorted(range(10**5))[-1] == 10**5 - 1",
    "len(sorted(range(10**6))) == 10**6",
    "'b' not in ['a'*10**5]*1000",
    "(['a'*10**5]*1000).count('b') == 0",
    "sorted(['x'*100]*1000)[0] == 'x'*100",
    "len([(x, x) for x in range(10**5)]) == 10**5",
]


@pytest.mark.parametrize("text", LEGITIMATE)
def test_legitimate_queries_still_work(text):
    view = make_run("base-1", {"hparams": {"lr": 0.1, "layers": [1, 2, 3, 5]}}).view()
    # the guards let them through; the time budget is generous: a busy machine is slow, not hostile
    assert Query(text, "runs", Budget(seconds=60.0)).match_run(view)


def test_the_budget_counts_evaluation_cpu_not_pauses(monkeypatch):
    """The clock is the evaluating thread's CPU time, and runs only while evaluating: not while
    the daemon reads, encodes or streams points, nor while the client reads them."""
    now = [100.0]
    monkeypatch.setattr("aimd.query.budget.time.thread_time", lambda: now[0])
    budget = Budget(seconds=1.0)
    now[0] += 3600.0  # before the first evaluation: nothing is charged
    budget.check()
    with budget.evaluating():
        now[0] += 0.6
    now[0] += 3600.0  # reading and streaming points, a slow reader
    budget.check()
    with budget.evaluating():
        now[0] += 0.3
        budget.check()
        now[0] += 0.2
        with pytest.raises(BudgetExceeded, match="1.0 s time budget"):
            budget.check()
    assert budget.elapsed() == pytest.approx(1.1)


def test_one_operation_is_refused_before_it_runs():
    """A C-level operation is weighed before it runs: the refusal names it and its work."""
    slack = 60.0  # the weighing, not the clock, must refuse them, however busy the machine
    error = attempt("(lambda s: (s[:-1]+'b') in [s]*10**6)('a'*10**6)", seconds=slack)
    assert "units of work in a membership test" in str(error)
    assert "in a sort" in str(attempt("sorted([10**30000]*10**4)", seconds=slack))
