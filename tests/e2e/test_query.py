"""AimQL end to end: queries evaluated in a real daemon over LevelDB, results streamed to the SDK."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from aim import Repo, Run
from aim._model.connection import target_of as _target_of
from aim._model.query import QueryReportMode, iter_query
from aim._transport.results import QueryProgress
from aim.errors import QueryBudgetError, QueryError
from tests.helpers import ROOT

QUIET = QueryReportMode.DISABLED
TUPLES = QueryReportMode.PROGRESS_TUPLE


@pytest.fixture(scope="module")
def seeded(shared):
    """The three runs of Aim's search docs (seed 002), created oldest to newest."""
    runs = {}
    for key, lr, batch in (("run_1", 0.001, 32), ("run_2", 0.0007, 64), ("run_3", 0.005, 16)):
        run = Run(repo=str(shared), experiment="seed")
        run.name = key
        run["learning_rate"] = lr
        run["batch_size"] = batch
        run["hparams"] = {"lr": lr, "optimizer": {"name": "adam" if batch > 16 else "sgd"}}
        for i in range(10):
            run.track(i, name="loss", context={"subset": "train"})
            run.track(i, name="loss", context={"subset": "test"})
        run.track(1.5, name="accuracy", context={"subset": "test"})
        run.close()
        runs[key] = run.hash
    return Repo(str(shared)), runs


def run_names(repo: Repo, query: str) -> list[str]:
    return [coll.run.name for coll in repo.query_runs(query, report_mode=QUIET).iter_runs()]


def metric_rows(repo: Repo, query: str) -> set[tuple[str, str, str]]:
    return {
        (m.name, m.context.get("subset", ""), m.run.name)
        for m in repo.query_metrics(query, report_mode=QUIET)
    }


# --- seed 002: the documented examples, with their exact results ------------------------------
def test_runs_by_two_params(seeded):
    repo, _ = seeded
    assert run_names(repo, "run.learning_rate > 0.0001 and run.batch_size > 32") == ["run_2"]


def test_runs_by_membership(seeded):
    repo, _ = seeded
    # The docs list run_1 too, but 0.001 is not in [0.0001, 0.005]: Python's answer is run_3 alone.
    assert run_names(repo, "run.learning_rate in [0.0001, 0.005]") == ["run_3"]


def test_metrics_by_name(seeded):
    repo, _ = seeded
    rows = metric_rows(repo, 'metric.name == "loss"')
    assert rows == {("loss", s, r) for s in ("train", "test") for r in ("run_1", "run_2", "run_3")}


def test_metrics_by_name_and_context(seeded):
    repo, _ = seeded
    rows = metric_rows(repo, 'metric.name == "loss" and metric.context.subset == "train"')
    assert rows == {("loss", "train", r) for r in ("run_1", "run_2", "run_3")}


def test_metrics_by_name_and_run_param(seeded):
    repo, _ = seeded
    rows = metric_rows(repo, 'metric.name == "loss" and run.learning_rate >= 0.001')
    assert rows == {("loss", s, r) for s in ("train", "test") for r in ("run_1", "run_3")}


# --- semantics -------------------------------------------------------------------------------
def test_empty_query_gives_every_run_newest_first(seeded):
    repo, _ = seeded
    assert run_names(repo, "") == ["run_3", "run_2", "run_1"]


@pytest.mark.parametrize(
    "query",
    [
        'run.hparams.optimizer.name == "sgd"',
        'run["hparams", "optimizer", "name"] == "sgd"',
        'run["hparams"]["optimizer"]["name"] == "sgd"',
        'run.hparams["optimizer"].name == "sgd"',
    ],
)
def test_every_param_access_style(seeded, query):
    repo, _ = seeded
    assert run_names(repo, query) == ["run_3"]


def test_missing_params_are_none_at_every_depth(seeded):
    repo, _ = seeded
    assert run_names(repo, "run.nope is None and run.nope.deeper == None and not run.hparams.x.y") == [
        "run_3",
        "run_2",
        "run_1",
    ]
    assert run_names(repo, "run.nope > 1 or run.hparams.optimizer.name > 1") == []


def test_run_properties_and_datetimes(seeded):
    repo, _ = seeded
    assert run_names(repo, 'run.experiment == "seed" and run.name.startswith("run_") and not run.active') == [
        "run_3",
        "run_2",
        "run_1",
    ]
    assert len(run_names(repo, "run.created_at > datetime(2020, 1, 1) and run.duration < 3600")) == 3
    assert len(run_names(repo, "run.finalized_at - run.created_at < timedelta(hours=1)")) == 3


def test_metric_properties_and_run_metrics(seeded):
    repo, _ = seeded
    rows = metric_rows(
        repo, "metric.last == 9 and metric.first == 0 and metric.max == 9 and metric.last_step == 9"
    )
    assert len(rows) == 6
    query = 'run.metrics["accuracy", {"subset": "test"}].last == 1.5 and run.batch_size == 16'
    assert run_names(repo, query) == ["run_3"]


def test_archived_runs_are_left_out_unless_asked_for(shared, seeded):
    repo, _ = seeded
    run = Run(repo=str(shared), experiment="archive")
    run.archived = True
    run.close()
    assert run.hash not in {c.run.hash for c in repo.query_runs("", report_mode=QUIET).iter_runs()}
    assert run_names(repo, 'run.archived and run.experiment == "archive"') == [run.name]
    run_view = Run(run.hash, repo=str(shared))
    run_view.archived = False
    run_view.close()
    assert run_names(repo, 'run.experiment == "archive"') == [run.name]


def test_syntax_error_has_line_and_offset(seeded):
    repo, _ = seeded
    with pytest.raises(SyntaxError) as info:
        list(repo.query_runs("run.hparams.lr >", report_mode=QUIET).iter_runs())
    assert info.value.lineno == 1 and info.value.offset is not None


def test_unknown_name_is_an_error_not_an_empty_result(seeded):
    repo, _ = seeded
    with pytest.raises(QueryError, match="lr"):
        list(repo.query_runs("lr > 1", report_mode=QUIET).iter_runs())


def test_isinstance_and_math_as_in_aims_queries(seeded):
    """Aim's queries have isinstance() and math; here int, float, dict, ... name the real types
    and math has its O(1) functions only."""
    repo, _ = seeded
    every = run_names(repo, "isinstance(run.batch_size, int) and isinstance(run.hparams, dict)")
    assert sorted(every) == ["run_1", "run_2", "run_3"]
    assert run_names(repo, "isinstance(run.learning_rate, (str, list))") == []
    assert run_names(repo, "math.isclose(run.learning_rate, 0.001) and math.sqrt(run.batch_size) > 5") == [
        "run_1"
    ]
    rows = metric_rows(repo, "metric.name == 'loss' and not math.isnan(metric.last) and metric.last > 8")
    assert {(name, run) for name, _, run in rows} == {("loss", "run_1"), ("loss", "run_2"), ("loss", "run_3")}
    with pytest.raises(QueryError, match="math.factorial is not allowed in queries"):
        list(repo.query_runs("math.factorial(10**6)", report_mode=QUIET).iter_runs())


# --- streaming ---------------------------------------------------------------------------------
def test_values_are_step_ordered_and_complete(repo):
    run = Run(repo=str(repo), system_tracking_interval=None)
    steps = np.random.default_rng(0).permutation(50_000)
    for step in steps.tolist():
        run.track(float(step) / 2, name="x", step=step)
    run.close()
    [match] = list(iter_query(_target_of(str(repo)), "metric", with_points=True, report_mode=QUIET))
    props, [seq] = match.props, match.sequences
    assert props["hash"] == run.hash and seq["count"] == 50_000
    np.testing.assert_array_equal(seq["columns"]["steps"], np.arange(50_000))
    np.testing.assert_array_equal(seq["columns"]["values"], np.arange(50_000) / 2)
    assert seq["columns"]["values"].flags.writeable


def test_metadata_only_then_values_on_demand(seeded):
    repo, _ = seeded
    [match] = list(
        iter_query(repo._target, "metric", 'run.name == "run_2" and metric.name == "loss"', report_mode=QUIET)
    )
    seqs = match.sequences
    assert {s["context"]["subset"] for s in seqs} == {"train", "test"}
    assert all(s["columns"] is None and s["count"] == 10 for s in seqs)
    metrics = list(repo.query_metrics('run.name == "run_2" and metric.name == "loss"', report_mode=QUIET))
    assert all(m.values.values_list() == list(range(10)) for m in metrics)


def test_pagination_follows_offset(repo):
    hashes = []
    for i in range(7):
        run = Run(repo=str(repo))
        run["i"] = i
        run.close()
        hashes.append(run.hash)
    target = _target_of(str(repo))
    newest_first = hashes[::-1]
    first = [m.props["hash"] for m in iter_query(target, None, limit=3, report_mode=QUIET)]
    second = [m.props["hash"] for m in iter_query(target, None, limit=3, offset=first[-1], report_mode=QUIET)]
    assert first + second == newest_first[:6]
    with pytest.raises(Exception, match="offset"):
        list(iter_query(target, None, offset="no-such-run", report_mode=QUIET))


def test_progress_tuples(seeded):
    repo, _ = seeded
    items = list(iter_query(repo._target, None, report_mode=QueryReportMode.PROGRESS_TUPLE))
    progress = [i for i in items if isinstance(i, QueryProgress)]
    assert progress and progress[-1].done == progress[-1].total >= 3


def test_abandoned_query_is_cancelled_and_the_daemon_serves_on(repo):
    for i in range(200):
        run = Run(repo=str(repo))
        run["i"] = i
        run["notes"] = "x" * 300_000  # 60 MB of params in all: far more than the stream buffers and
        # windows, which gRPC's bandwidth probing grows to several MB while a loaded client is slow to close
        run.close()
    target = _target_of(str(repo))
    # The daemon evaluates only as fast as the client reads (flow control), so a client that
    # stops reading and closes the iteration leaves most runs unevaluated, whatever the load.
    results = iter_query(target, None, "run.i >= 0", with_params=True, report_mode=QUIET)
    next(results)
    results.close()
    log = repo / ".aim" / "aimd.log"
    deadline = time.monotonic() + 30
    while "cancelled after" not in log.read_text():  # the daemon notes where it stopped
        assert time.monotonic() < deadline, "the daemon never stopped the abandoned query"
        time.sleep(0.05)
    stopped = re.search(r"cancelled after (\d+) of 200 runs", log.read_text())
    assert stopped and int(stopped.group(1)) < 200
    assert len(list(iter_query(target, None, "run.i < 10", report_mode=QUIET))) == 10


def test_progress_bar_on_stderr(seeded, monkeypatch, capsys):
    repo, _ = seeded
    monkeypatch.setattr("aim._model.query.PROGRESS_BAR_AFTER_S", 0.0)
    assert len(list(repo.query_runs("", report_mode=QueryReportMode.PROGRESS_BAR).iter_runs())) >= 3
    err = capsys.readouterr().err
    assert "query: 100%" in err and "run" in err  # tqdm's bar


# --- containment -------------------------------------------------------------------------------
HOSTILE = [
    "10**10**10",
    "2**(2**40) > 0",
    "1 << 10**10",
    "'a' * 10**10",
    "[0] * 10**10",
    "[[0] * 10**6] * 10**6",
    "sum(range(10**10))",
    "len(list(range(10**12)))",
    "[x for x in range(10**7) for y in range(10**7)]",
    "any(True for x in range(10**9) if x < 0)",
    "max(range(10**10))",
    "sorted(range(10**9))",
    "'-'.join(['a' * 10**6] * 10**6)",
    "('a' * 10**5).replace('a', 'a' * 10**5)",
    "'%099999999d' % 1",
    "f'{1:099999999}'",
    "(" * 5000 + "1" + ")" * 5000,
    "-" * 50000 + "1",
    "[" * 300 + "]" * 300,
    "1 + " * 20000 + "1",
    "run.__class__",
    "run.__dict__",
    "run._props",
    "().__class__.__bases__[0].__subclasses__()",
    "'{0.__class__}'.format(run)",
    "'{x}'.format_map({'x': 1})",
    "(x for x in []).gi_frame",
    "(lambda: 0).__code__",
    "getattr(run, 'hash')",
    "__import__('os')",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('1')",
    "globals()",
    "vars(run)",
    "type(run)",
    "datetime.__subclasses__()",
    "run.metrics.__init__",
    "[].append(1)",
    "sum([[1]] * 10**6, [])",
    "int('9' * 10**6)",
    "str(10**5000)",
]


def test_hostile_queries_fail_clearly_within_the_budget_while_tracking_goes_on(repo):
    seed = Run(repo=str(repo))
    seed["hparams"] = {"lr": 0.1}
    seed.close()
    tracker = Run(repo=str(repo))
    stop = threading.Event()
    tracked = [0]

    def track() -> None:
        while not stop.is_set():
            tracker.track(float(tracked[0]), name="progress", step=tracked[0])
            tracked[0] += 1

    thread = threading.Thread(target=track)
    thread.start()
    target = _target_of(str(repo))
    try:
        for query in HOSTILE + ["x" * 20_000]:
            started = time.monotonic()
            with pytest.raises((QueryError, SyntaxError)) as info:
                list(iter_query(target, None, query, timeout_s=2.0, report_mode=QUIET))
            assert str(info.value), query
            assert time.monotonic() - started < 30, query  # the 2 s budget, with slack for a busy machine
        with pytest.raises(QueryBudgetError):
            list(iter_query(target, None, "[x for x in range(10**6) for y in range(10**6)]", timeout_s=0.5))
    finally:
        stop.set()
        thread.join()
        tracker.close()
    stored = Repo(str(repo)).get_run(tracker.hash).get_metric("progress", {})
    assert len(stored.values) == tracked[0] > 0
    # and the daemon still answers ordinary queries
    assert [
        m.props["hash"] for m in iter_query(target, None, "run.hparams.lr == 0.1", report_mode=QUIET)
    ] == [seed.hash]


# --- deleting ---------------------------------------------------------------------------------
def test_delete_runs(repo):
    keep, gone = Run(repo=str(repo)), Run(repo=str(repo))
    for run in (keep, gone):
        run["x"] = 1
        run.track(1.0, name="loss")
    gone.close()
    r = Repo(str(repo))
    assert r.delete_run(keep.hash) is False  # still open for tracking
    assert r.delete_runs([gone.hash, "no-such-run"]) == (False, ["no-such-run"])
    assert r.get_run(gone.hash) is None
    keep.close()
    assert r.list_all_runs() == [keep.hash]
    assert [m.props["hash"] for m in iter_query(r._target, "metric", report_mode=QUIET)] == [keep.hash]


def test_query_brings_values_and_epochs_and_times_come_on_demand(repo):
    run = Run(repo=str(repo), system_tracking_interval=None)
    for step in range(100):
        run.track(step * 2, name="x", step=step, epoch=step // 10)
    run.close()
    [metric] = list(Repo(str(repo)).query_metrics("", report_mode=QUIET))
    assert set(metric._data) == {"steps", "values"}  # the stream carried steps and values only
    assert metric.values.values_list() == [s * 2 for s in range(100)]
    assert metric.epochs.values_list() == [s // 10 for s in range(100)]  # fetched now
    assert len(metric.timestamps.values_numpy()) == 100


def test_runaway_queries_never_hold_up_another_clients_query(repo):
    for i in range(100):
        run = Run(repo=str(repo))
        run["i"] = i
        run.close()
    target = _target_of(str(repo))
    runaway = "any(x < 0 for x in range(10**5))"  # tens of ms a run: runs until its budget ends it
    started = [threading.Event() for _ in range(6)]  # more runaways than a small pool has threads
    ended: list[float] = []

    def run_away(started: threading.Event) -> None:
        with pytest.raises(QueryBudgetError):
            for _ in iter_query(target, None, runaway, timeout_s=1, report_mode=TUPLES):
                started.set()  # the daemon is evaluating it (progress or a first match came)
        ended.append(time.monotonic())

    threads = [threading.Thread(target=run_away, args=(event,)) for event in started]
    for thread in threads:
        thread.start()
    for event in started:
        assert event.wait(30)
    found = list(iter_query(target, None, "run.i == 7", report_mode=QUIET))
    answered = time.monotonic()
    for thread in threads:
        thread.join()
    assert len(found) == 1
    assert len(ended) == 6 and answered < min(ended)  # answered while every runaway still ran


READER = """
import sys
import numpy as np
from aim import Repo
from aim._model.query import QueryReportMode

repo, rounds = Repo(sys.argv[1]), int(sys.argv[2])
seen = 0
for _ in range(rounds):
    for metric in repo.query_metrics('metric.name == "x"', report_mode=QueryReportMode.DISABLED):
        steps, values = metric.values.sparse_numpy()
        n = len(steps)
        # a snapshot: every point tracked so far up to some step, none half-written
        assert steps.tolist() == list(range(n)), steps[:20]
        assert np.array_equal(values, steps * 2.0), (steps[:5], values[:5])
        assert metric.last_step() in (None, n - 1)
        seen = max(seen, n)
print(seen)
"""


def test_queries_from_other_processes_see_whole_batches_only_while_tracking_goes_on(repo):
    """Three processes query a metric over and over while this one tracks into it: each sees a
    prefix of the tracked points with their values, never a part of a write."""
    run = Run(repo=str(repo))
    run.track(0.0, name="x", step=0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(repo), "30"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    step = 1
    while step < 300_000 and any(reader.poll() is None for reader in readers):
        run.track(step * 2.0, name="x", step=step)
        step += 1
    run.close()
    for reader in readers:
        out, err = reader.communicate()
        assert reader.returncode == 0, err.decode()[-2000:]
        assert int(out) > 1  # it saw points arrive while it queried
    assert len(Repo(str(repo)).get_run(run.hash).get_metric("x", {}).values) == step


def test_time_budget_from_the_daemon_flag_and_from_the_environment(repo, monkeypatch):
    started = subprocess.run(
        [sys.executable, "-m", "aimd", "start", "--repo", str(repo), "--query-timeout", "1"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr
    seed = Run(repo=str(repo))
    seed.close()
    target = _target_of(str(repo))
    runaway = "[x for x in range(10**6) for y in range(10**6)]"
    with pytest.raises(QueryBudgetError, match=r"1\.0 s time budget"):  # the daemon's default
        list(iter_query(target, None, runaway, report_mode=QUIET))
    monkeypatch.setenv("AIM_QUERY_TIMEOUT", "0.5")
    with pytest.raises(QueryBudgetError, match=r"0\.5 s time budget"):  # the client's choice
        list(iter_query(target, None, runaway, report_mode=QUIET))
    monkeypatch.setenv("AIM_QUERY_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="AIM_QUERY_TIMEOUT"):
        list(iter_query(target, None, "", report_mode=QUIET))


def test_a_huge_query_is_refused_before_it_is_sent(seeded):
    repo, _ = seeded
    with pytest.raises(QueryError, match="longer than 10000"):
        list(repo.query_runs("run.name == '" + "x" * 50_000_000 + "'", report_mode=QUIET).iter_runs())


def test_a_metric_that_turned_float_streams_its_earlier_int_blocks_as_floats(repo):
    """Blocks stored while a metric held ints stay int-encoded after it turns float: the query
    stream must send every block in the sequence's dtype."""
    run = Run(repo=str(repo), system_tracking_interval=None)
    for step in range(5000):  # more than a block of ints
        run.track(step, name="x", step=step)
    run.close()
    run = Run(run.hash, repo=str(repo), system_tracking_interval=None)
    run.track(0.5, name="x", step=5000)  # the metric turns float
    run.close()
    for values_only in (True, False):
        [match] = list(
            iter_query(
                _target_of(str(repo)), "metric", with_points=True, values_only=values_only, report_mode=QUIET
            )
        )
        [seq] = match.sequences
        assert seq["dtype"] == "float"
        assert seq["columns"]["values"].tolist() == [*map(float, range(5000)), 0.5]
