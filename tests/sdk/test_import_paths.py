"""Every path an Aim 3.x user imports from, pinned: module -> the names it gives, each the very
object `aim` gives (aliases, not copies). Paths Aim does not have stay ImportError.

Checked against Aim 3.29.1 (what only we add: aim.errors, aim.Sequence, AimError in
aim.sdk.errors). The constants of aim.ext.resource.configs are pinned by value at the end.
"""

from __future__ import annotations

import importlib

import pytest

import aim
from aim import errors, objects
from aim._model import collections as _collections
from aim._model import query as _query
from aim._model import sequences as _sequences
from aim._values import context as _context

ALIASES: dict[str, dict[str, object]] = {
    "aim": {
        **{name: getattr(aim, name) for name in ("Run", "Repo", "Metric", "Sequence")},
        **{name: getattr(aim, name) for name in ("Image", "Distribution", "Text", "Audio", "Figure")},
        **{name: getattr(aim, name) for name in ("Images", "Distributions", "Texts", "Audios", "Figures")},
        "errors": errors,
    },
    "aim.sdk": {
        **{name: getattr(aim, name) for name in ("Run", "Repo", "Metric")},
        **{name: getattr(aim, name) for name in ("Image", "Distribution", "Text", "Audio", "Figure")},
        **{name: getattr(aim, name) for name in ("Images", "Distributions", "Texts", "Audios", "Figures")},
    },
    "aim.sdk.run": {"Run": aim.Run},
    "aim.sdk.repo": {"Repo": aim.Repo, "Run": aim.Run},
    "aim.sdk.sequence": {"Sequence": aim.Sequence, "MediaSequenceBase": _sequences.ObjectSequence},
    "aim.sdk.sequence_collection": {
        name: getattr(_collections, name)
        for name in (
            "SequenceCollection",
            "SingleRunSequenceCollection",
            "QuerySequenceCollection",
            "QueryRunSequenceCollection",
        )
    },
    "aim.sdk.sequences.metric": {"Metric": aim.Metric},
    "aim.sdk.sequences.image_sequence": {"Images": aim.Images},
    "aim.sdk.sequences.distribution_sequence": {"Distributions": aim.Distributions},
    "aim.sdk.sequences.text_sequence": {"Texts": aim.Texts},
    "aim.sdk.sequences.audio_sequence": {"Audios": aim.Audios},
    "aim.sdk.sequences.figure_sequence": {"Figures": aim.Figures},
    "aim.sdk.objects": {
        name: getattr(aim, name) for name in ("Image", "Distribution", "Text", "Audio", "Figure")
    },
    "aim.sdk.objects.image": {"Image": aim.Image},
    "aim.sdk.objects.distribution": {"Distribution": aim.Distribution},
    "aim.sdk.objects.text": {"Text": aim.Text},
    "aim.sdk.objects.audio": {"Audio": aim.Audio},
    "aim.sdk.objects.figure": {"Figure": aim.Figure},
    "aim.sdk.logging": {"LogRecord": objects.LogRecord, "LogRecords": _sequences.LogRecords},
    "aim.sdk.logging.log_record": {"LogRecord": objects.LogRecord, "LogRecords": _sequences.LogRecords},
    "aim.sdk.types": {"QueryReportMode": _query.QueryReportMode},
    "aim.sdk.errors": {
        "AimError": errors.AimError,
        "MissingRunError": errors.MissingRunError,
        "RepoIntegrityError": errors.RepoError,
    },
    "aim.storage.context": {"Context": _context.Context},
    "aim.storage.arrayview": {"ArrayView": _sequences.ArrayView},
    "aim.storage.query": {"syntax_error_check": _query.check_syntax},
    # Aim 3.0's paths, still in its documentation
    "aim.sdk.metric": {
        "Metric": aim.Metric,
        "MetricCollection": _collections.MetricCollection,
        "QueryMetricCollection": _collections.QueryMetricCollection,
        "QueryRunMetricCollection": _collections.QueryRunMetricCollection,
        "SingleRunMetricCollection": _collections.SingleRunMetricCollection,
    },
    "aim.sdk.image_sequence": {"Images": aim.Images},
    "aim.sdk.distribution_sequence": {"Distributions": aim.Distributions},
    "aim.sdk.text_sequence": {"Texts": aim.Texts},
    "aim.sdk.audio_sequence": {"Audios": aim.Audios},
}


@pytest.mark.parametrize("module_name", sorted(ALIASES))
def test_each_path_gives_exactly_its_pinned_names(module_name):
    module = importlib.import_module(module_name)
    expected = ALIASES[module_name]
    assert sorted(module.__all__) == sorted(expected)
    for name, obj in expected.items():
        assert getattr(module, name) is obj, f"{module_name}.{name}"


def test_from_imports_of_aims_examples_work():
    from aim.sdk import Run
    from aim.sdk.repo import Repo
    from aim.sdk.repo import Run as RepoRun

    assert Run is RepoRun is aim.Run and Repo is aim.Repo


@pytest.mark.parametrize(
    "module_name",
    [
        "aim.sdk.nope",
        "aim.sdk.sequences.nope",
        "aim.sdk.sequences.sequence",  # Aim 3.29 has aim.sdk.sequence, not this
        "aim.sdk.objects.nope",
        "aim.storage.nope",
        "aim.storage.hashing",  # Aim's internals are not aliased
        "aim.nope",
    ],
)
def test_unknown_paths_stay_import_errors(module_name):
    with pytest.raises(ImportError):
        importlib.import_module(module_name)


@pytest.mark.parametrize(("module_name", "name"), [("aim.sdk", "Nope"), ("aim.storage.query", "nope")])
def test_unknown_names_stay_import_errors(module_name, name):
    with pytest.raises(ImportError):
        exec(f"from {module_name} import {name}", {})


@pytest.mark.parametrize(
    "query",
    [
        "run.hparams.lr >",
        "metric.name == 'loss' and",
        "run.x ==\n  1 1",
        "(run.a",
        "run.hparams..lr",
        "a = 1",
    ],
)
def test_syntax_error_check_raises_pythons_line_and_offset(query):
    from aim.storage.query import syntax_error_check

    with pytest.raises(SyntaxError) as python:
        compile(query, "<query>", "eval")
    with pytest.raises(SyntaxError) as ours:
        syntax_error_check(query)
    assert (ours.value.lineno, ours.value.offset) == (python.value.lineno, python.value.offset)


@pytest.mark.parametrize("query", ["", "   ", "run.hparams.lr > 1e-3 and metric.name == 'loss'"])
def test_syntax_error_check_passes_a_query_that_parses(query):
    from aim.storage.query import syntax_error_check

    assert syntax_error_check(query) is None


def test_the_constants_integrations_import_are_at_aims_path():
    from aim.ext.resource.configs import AIM_RESOURCE_METRIC_PREFIX, DEFAULT_SYSTEM_TRACKING_INT

    assert AIM_RESOURCE_METRIC_PREFIX == "__system__"
    assert DEFAULT_SYSTEM_TRACKING_INT == 10
