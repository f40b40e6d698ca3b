"""What a query sees of runs and sequences: the documented examples, access styles, laziness,
Missing at every depth, run properties and datetimes, and run.metrics."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import pytest

from aimd.query import MISSING_VIEW, Missing, Query, SequenceView
from tests.query.helpers import CREATED, evaluate, make_run, matching_runs, matching_sequences, seeded

PARAMS = {
    "hparams": {"lr": 0.01, "layers": [1, 2, 3], "optimizer": {"name": "adam", "betas": [0.9, 0.99]}},
    "name": "param-called-name",
    "tags": "param-called-tags",
    "dataset": {"keys": "k", "get": "g"},
}


# --- Aim's documented examples -----------------------------------------------------------------
def test_runs_by_two_params():
    assert matching_runs(seeded(), "run.learning_rate > 0.0001 and run.batch_size > 32") == ["run_2"]


def test_runs_by_membership_gives_the_python_answer():
    # Aim's docs list run_1 too, but 0.001 is not in [0.0001, 0.005].
    assert matching_runs(seeded(), "run.learning_rate in [0.0001, 0.005]") == ["run_3"]


def test_metrics_by_name():
    assert len(matching_sequences(seeded(), 'metric.name == "loss"')) == 6


def test_metrics_by_name_and_context():
    rows = matching_sequences(seeded(), 'metric.name == "loss" and metric.context.subset == "train"')
    assert rows == [(r, "loss", "train") for r in ("run_1", "run_2", "run_3")]


def test_metrics_by_name_and_run_param():
    rows = matching_sequences(seeded(), 'metric.name == "loss" and run.learning_rate >= 0.001')
    assert sorted(rows) == sorted((r, "loss", s) for r in ("run_1", "run_3") for s in ("train", "test"))


# --- access styles -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "run.hparams.lr == 0.01",
        'run["hparams", "lr"] == 0.01',
        'run["hparams"]["lr"] == 0.01',
        'run.hparams["lr"] == 0.01',
        'run["hparams"].lr == 0.01',
        "run.hparams.optimizer.name == 'adam'",
        "run.hparams['optimizer'].name == 'adam'",
        "run['hparams', 'optimizer']['name'] == 'adam'",
        "run.hparams.optimizer.betas[1] == 0.99",
        "run.hparams.layers[-1] == 3 and run.hparams.layers[:2] == [1, 2]",
        "run.hparams.get('lr') == 0.01 and 'lr' in run.hparams.keys()",
        "sorted(run.hparams.optimizer.keys()) == ['betas', 'name']",
        "run.hparams.optimizer.name.upper() == 'ADAM'",
        "[x for x in run.hparams.layers if x > 1] == [2, 3]",
        "dict(run.hparams.optimizer.items())['name'] == 'adam'",
        "run.dataset.keys() is not None and run.dataset['keys'] == 'k'",
    ],
)
def test_every_access_style(text):
    assert evaluate(text, PARAMS)


def test_run_properties_win_over_params_of_the_same_name():
    assert evaluate("run.name == 'run' and run['name'] == 'run'", PARAMS)
    assert evaluate("run['name', 'x'] == None", PARAMS)  # a tuple key is always a params path


def test_dict_methods_win_over_keys_of_the_same_name_but_items_stay_reachable():
    assert evaluate("run.dataset.get('keys') == 'k' and run.dataset['get'] == 'g'", PARAMS)


def test_sequence_context_by_attribute_and_item():
    rows = matching_sequences(seeded(), "metric.context['subset'] == 'test' and metric.context.nope == None")
    assert len(rows) == 3


# --- laziness -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "run.hparams.lr > 0",
        'run["hparams"]["lr"] > 0',
        'run["hparams", "lr"] > 0',
        'run.hparams["lr"] > 0',
    ],
)
def test_only_the_full_path_is_read(text):
    run = make_run(params=PARAMS)
    assert Query(text, "runs").match_run(run.view())
    assert run.loaded == [("hparams", "lr")]


def test_dynamic_links_read_the_path_up_to_them():
    run = make_run(params=PARAMS)
    assert Query("run.hparams.layers[0] == 1 and run.hparams.optimizer.keys()", "runs").match_run(run.view())
    assert run.loaded == [("hparams", "layers"), ("hparams", "optimizer")]


def test_untouched_params_are_not_read():
    run = make_run(params=PARAMS)
    assert Query("run.name == 'run' or run.hparams.lr > 0", "runs").match_run(run.view())
    assert run.loaded == []


def test_each_path_is_read_once_per_run_view_even_for_many_sequences():
    run = make_run(params=PARAMS, sequences=[("loss", {"i": i}, {}) for i in range(50)])
    query = Query("run.hparams.lr > 0 and metric.name == 'loss' and run.hparams.lr * 2 == 0.02", "metric")
    view = run.view()
    assert query.match_run(view)
    for name, context, seq_info in run.sequences:
        assert query.match_sequence(view, SequenceView(name, context, seq_info, view))
    assert run.loaded == [("hparams", "lr")]


def test_sequence_queries_read_params_through_metric_run_too():
    run = make_run(params=PARAMS)
    query = Query("metric.run.hparams.lr == 0.01 and run.hparams.lr == 0.01", "metric")
    view = run.view()
    assert query.match_run(view)
    assert query.match_sequence(view, SequenceView("loss", {}, {}, view))
    assert run.loaded == [("hparams", "lr")]


# --- Missing ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "run.nope == None",
        "run.nope is None",
        "not (run.nope != None)",
        "run.nope.deeper.still == None",
        "run.nope['a']['b'] is None",
        "run.hparams.nope == None",
        "run.hparams.lr.nope == None",
        "run.hparams.optimizer['nope'] == None",
        "not run.nope",
        "len(run.nope) == 0 and list(run.nope) == [] and 'x' not in run.nope",
        "str(run.nope) == 'None' and f'{run.nope}' == 'None'",
        "not (run.nope < 1 or run.nope > 1 or run.nope <= 1 or run.nope >= 1)",
        "not (run.nope < run.nope or run.nope >= None)",
        "run.nope == run.other",
        "run.metrics['nope'] == None and run.metrics['nope'].last == None",
        "[x for x in run.nope] == []",
    ],
)
def test_missing_at_every_depth(text):
    assert evaluate(text, PARAMS)


def test_missing_is_one_singleton():
    assert Missing() is MISSING_VIEW
    assert MISSING_VIEW == None  # noqa: E711
    assert not MISSING_VIEW and len(MISSING_VIEW) == 0 and str(MISSING_VIEW) == "None"


def test_missing_params_match_nothing_positive():
    assert not evaluate("run.nope > 1 or run.hparams.optimizer.name > 1 or run.nope == 0", PARAMS)


# --- incompatible data --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "run.hparams.optimizer.name > 1",
        "run.hparams.lr > 'a'",
        "run.hparams.layers < 3",
        "run.hparams.optimizer.name + 1 > 0",
        "run.hparams.lr / 0 > 0",
        "run.hparams.layers[10] == 1",
        "int(run.hparams.optimizer.name) == 1",
        "run.hparams.optimizer.name.index('z') == 0",
        "run.hparams.nope + 1 == 1",
        "run[0] == 1",
    ],
)
def test_incompatible_data_makes_the_row_false(text):
    assert evaluate(text, PARAMS) is False


def test_a_failed_comparison_is_false_not_an_error():
    assert evaluate("not (run.hparams.optimizer.name > 1)", PARAMS)


def test_rows_differ_by_their_data():
    runs = [make_run("a", {"x": 1}), make_run("b", {"x": "one"}), make_run("c", {})]
    assert matching_runs(runs, "run.x > 0") == ["a"]
    assert matching_runs(runs, "run.x == None") == ["c"]


# --- run properties and datetimes ---------------------------------------------------------------
def test_run_properties():
    run = make_run("base-7", tags=["a", "b"], experiment="exp", description="d", archived=True)
    query = Query(
        "run.name.startswith('base') and run.hash == 'hash-base-7' and run.experiment == 'exp' and "
        "run.tags == ['a', 'b'] and run.archived and not run.active and run.description == 'd' and "
        f"run.creation_time == {CREATED} and run.end_time == {CREATED + 600}",
        "runs",
    )
    assert query.match_run(run.view())


def test_datetimes():
    assert evaluate("run.created_at > datetime(2020, 1, 1) and run.duration < 3600")
    assert evaluate("run.created_at == datetime(2020, 9, 13, 12, 26, 40)")
    assert evaluate("run.finalized_at - run.created_at == timedelta(minutes=10) and run.duration == 600")
    assert evaluate("run.created_at.year == 2020 and run.created_at.date().isoformat() == '2020-09-13'")
    assert evaluate("run.created_at.timestamp() == run.creation_time")
    assert evaluate("datetime.now() - run.created_at > timedelta(days=1)")
    assert evaluate("datetime.utcfromtimestamp(0).year == 1970")
    assert evaluate("(run.finalized_at - run.created_at).total_seconds() == 600")


def test_an_active_run_lasts_until_now():
    with mock.patch("aimd.query.views.time.time", return_value=CREATED + 30):
        assert evaluate("run.duration == 30 and run.finalized_at is None", end_time=None, active=True)


def test_created_at_is_naive_utc():
    view = make_run().view()
    assert view.attribute("created_at") == datetime(2020, 9, 13, 12, 26, 40)
    assert view.attribute("finalized_at") - view.attribute("created_at") == timedelta(minutes=10)


# --- run.metrics and sequences ------------------------------------------------------------------
def test_run_metrics_by_name_and_context():
    assert evaluate("run.metrics['loss', {'subset': 'test'}].last == 2.5")
    assert evaluate("run.metrics['loss', {'subset': 'train'}].min == 1.0")
    assert evaluate("run.metrics['loss'] == None")  # no sequence with the empty context
    assert evaluate("run.metrics['nope', {'subset': 'test'}].last is None")


def test_run_metrics_reads_the_sequences_once():
    run = make_run()
    query = Query("run.metrics['loss', {'subset': 'test'}].last > 0 and run.metrics['loss'] == None", "runs")
    assert query.match_run(run.view())
    assert run.sequence_loads == 1


def test_sequence_attributes():
    rows = matching_sequences(
        seeded(),
        "metric.last == 1.0 and metric.first == 3.0 and metric.min == 1.0 and metric.max == 3.0 and "
        "metric.count == 3 and metric.first_step == 0 and metric.last_step == 2 and "
        "metric.run.name == 'run_2'",
    )
    assert rows == [("run_2", "loss", "train")]


@pytest.mark.parametrize("target", ["images", "distributions", "texts", "audios"])
def test_every_sequence_target_has_its_variable(target):
    assert len(matching_sequences(seeded(), f"{target}.name == 'loss'", target)) == 6
