"""Bad input to the SDK: a clear TypeError / ValueError / AimError in the caller's thread, and
nothing of it stored. One daemon serves the whole module (stopped by PID at the end)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from aim import Repo, Run, Text
from aim._tracking.buffers import MAX_STEP  # the SDK's documented step range is 0..MAX_STEP
from aim.errors import DaemonUnavailable, MissingRunError, RepoError, RequestRejected, SequenceTypeError
from tests.helpers import daemon_pid, reread


# --- values ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("1.5", "str"),
        ([1.0], "list"),
        (object(), "object"),
        (None, "NoneType"),
        ({1.0}, "set"),
        (1j, "complex"),
    ],
)
def test_non_numeric_value_is_a_type_error_naming_its_type(run, value, kind):
    """Our detail names the type: the error itself, or the cause of Aim's words."""
    with pytest.raises(TypeError) as caught:
        run.track(value, name="loss")
    assert f"cannot track a {kind} as sequence 'loss'" in f"{caught.value} | {caught.value.__cause__}"


@pytest.mark.parametrize(
    ("value", "size"), [(np.array([1.0, 2.0, 3.0]), 3), (np.zeros((2, 2)), 4), (np.array([]), 0)]
)
def test_array_of_other_than_one_element_is_a_value_error_naming_its_size(run, value, size):
    with pytest.raises(ValueError, match=rf"array of {size} elements as sequence 'loss'"):
        run.track(value, name="loss")


def test_dict_form_with_a_bad_value_names_the_sequence(run):
    with pytest.raises(TypeError, match="Input type <class 'str'> is neither") as caught:
        run.track({"acc": "high"}, step=0)
    assert "cannot track a str as sequence 'acc'" in str(caught.value.__cause__)


def test_value_beyond_any_float_is_a_value_error(run):
    """An int no float can hold would otherwise fail later, in the sender thread."""
    with pytest.raises(ValueError, match="too large"):
        run.track(10**400, name="huge")


def test_rejected_values_leave_nothing_behind(shared, run):
    """1. track bad values of every kind into 'x'; 2. track two good ones; 3. only those are stored."""
    for bad in ("a", [1], np.ones(2), object()):
        with pytest.raises((TypeError, ValueError)):
            run.track(bad, name="x")
    for bad_step in (-1, 1.5):
        with pytest.raises((TypeError, ValueError)):
            run.track(1.0, name="x", step=bad_step)
    run.track(1.0, name="x", step=0)
    run.track(2.0, name="x", step=1)
    run.close()
    assert reread(shared, run).get_metric("x").values.sparse_list() == ([0, 1], [1.0, 2.0])


# --- names -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("", ValueError, "must be 1..256 chars"),
        ("x" * 257, ValueError, "must be 1..256 chars"),
        ("a\x00b", ValueError, "without NUL"),
        (5, TypeError, "name must be a str, not int"),
        (b"loss", TypeError, "name must be a str, not bytes"),
        (("a",), TypeError, "name must be a str, not tuple"),
    ],
    ids=["empty", "257 chars", "NUL", "int", "bytes", "tuple"],
)
def test_bad_name(run, name, error, message):
    with pytest.raises(error, match=message):
        run.track(1.0, name=name)


def test_name_that_is_not_valid_unicode_is_a_value_error(shared):
    """1. in a fresh process, track under a name holding a lone surrogate (no UTF-8 form); 2. it must
    be refused at once: accepted, it fails later in the sender and its points are lost. The process
    leaves through os._exit so an accepted point cannot break the exit flush of this test session."""
    code = f"""
        import os
        from aim import Run
        run = Run(repo={str(shared)!r})
        try:
            run.track(1.0, name="loss\\ud800")
        except ValueError as exc:
            print("ValueError:", exc, flush=True)
        else:
            print("accepted", flush=True)
        os._exit(0)
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ValueError:") and "name" in done.stdout, done.stdout


def test_name_errors_are_aims_value_errors(run):
    with pytest.raises(ValueError) as no_name:
        run.track(1.0)
    assert str(no_name.value) == "'name' should not be None."
    with pytest.raises(ValueError) as dict_and_name:
        run.track({"a": 1}, name="x")
    assert str(dict_and_name.value) == "'name' should be None when tracking values dictionary."


@pytest.mark.parametrize(
    ("first", "then", "shown"),
    [(1.0, [0.5], "[0.5]"), (2, [1], "[1]"), (Text("t"), 0.5, "0.5"), ([Text("t")], Text("u"), "u")],
)
def test_a_value_clashing_with_a_sequences_type_has_aims_message(run, first, then, shown):
    """Aim's words, caught as ValueError (Aim's style) or SequenceTypeError (ours)."""
    run.track(first, name="x")
    with pytest.raises(SequenceTypeError) as caught:
        run.track(then, name="x")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == f"Cannot log value '{shown}' on sequence 'x'. Incompatible data types."
    assert "x" in str(caught.value.__cause__)  # our detail, shown in the traceback


@pytest.mark.parametrize("value", ["high", None, object()])
@pytest.mark.parametrize("first", [None, 1.0])
def test_a_value_that_is_neither_number_nor_object_has_aims_message(shared, run, value, first):
    """Into a new sequence or a metric with points: Aim's words, with our detail as the cause;
    the sequence keeps its good points."""
    if first is not None:
        run.track(first, name="y")
    with pytest.raises(ValueError) as caught:
        run.track(value, name="y")
    assert isinstance(caught.value, SequenceTypeError)
    assert str(caught.value) == f"Input type {type(value)} is neither python number nor AimObject"
    assert "sequence 'y'" in str(caught.value.__cause__)
    run.track(2.0, name="y")
    run.close()
    expected = ([0, 1], [1.0, 2.0]) if first is not None else ([0], [2.0])
    assert reread(shared, run).get_metric("y").values.sparse_list() == expected


def test_longest_name_is_accepted(shared, run):
    run.track(1.0, name="n" * 256)
    run.close()
    assert reread(shared, run).get_metric("n" * 256).values.values_list() == [1.0]


# --- contexts --------------------------------------------------------------------------------
@pytest.mark.parametrize("context", [["subset", "train"], "train", (("subset", "train"),), 3])
def test_context_that_is_not_a_dict_is_a_type_error(run, context):
    with pytest.raises(TypeError, match=f"context must be a dict, not {type(context).__name__}"):
        run.track(1.0, name="loss", context=context)


@pytest.mark.parametrize(
    ("context", "error", "message"),
    [
        ({"a": {1, 2}}, TypeError, r"got set at context\['a'\]"),
        ({"a": object()}, TypeError, r"got object at context\['a'\]"),
        ({"a": [1, {"b": b"x"}]}, TypeError, r"got bytes at context\['a'\]\[1\]\['b'\]"),
        ({"a": np.int64(1)}, TypeError, "got int64"),
        ({1: "a", "1": "b"}, ValueError, "context has both keys 1 and '1' in context"),
        ({"a": {(1, 2): 3}}, TypeError, r"context keys must be str or int, got \(1, 2\)"),
        ({"a": math.nan}, ValueError, r"must be finite, got nan at context\['a'\]"),
        ({"a": [math.inf]}, ValueError, "must be finite, got inf"),
        ({"a": "x" * 4096}, ValueError, "context is over 4096 bytes"),
    ],
    ids=["set", "object", "nested bytes", "numpy int", "int, str key", "tuple key", "nan", "inf", "4 KiB+"],
)
def test_context_that_is_not_json_like(run, context, error, message):
    with pytest.raises(error, match=message):
        run.track(1.0, name="loss", context=context)
    with pytest.raises(error, match=message):  # the same again: no half-registered sequence
        run.track(1.0, name="loss", context=context)


def test_int_context_keys_are_taken_as_aim_takes_them_and_read_back_as_str(shared, run):
    """Aim takes int context keys; ours are stored as their str: the same sequence as the str
    keys make, found and queried by either."""
    run.track(1.0, name="loss", context={1: "a", "n": [{2: True}]})
    run.track(2.0, name="loss", context={"1": "a", "n": [{"2": True}]})
    run.close()
    stored = reread(shared, run)
    metric = stored.get_metric("loss", {1: "a", "n": [{2: True}]})
    assert metric.context == {"1": "a", "n": [{"2": True}]}
    assert metric.values.sparse_list() == ([0, 1], [1.0, 2.0])
    found = Repo(str(shared)).query_metrics(f'metric.context["1"] == "a" and run.hash == "{run.hash}"')
    assert [m.name for m in found] == ["loss"]


def test_a_context_equal_to_a_cached_one_has_its_own_keys_checked(run):
    """{True: 'a'} and {1.0: 'a'} compare equal to {1: 'a'}, which the writer cache holds after its
    first point, but bool and float keys are refused every time."""
    run.track(1.0, name="loss", context={1: "a"})
    run.track(1.0, name="loss", context={"1": "a"})
    for context in ({True: "a"}, {1.0: "a"}, {True: "a"}):
        with pytest.raises(TypeError, match="context keys must be str or int, got (True|1.0)"):
            run.track(1.0, name="loss", context=context)


def test_contexts_equal_to_a_cached_one_but_of_other_values_stay_apart(shared, run):
    """(1, 2) == (1.0, 2) and -0.0 == 0.0, but they make other contexts: no cache may mix them."""
    contexts = [{"a": (1, 2)}, {"a": (1.0, 2)}, {"a": 0.0}, {"a": -0.0}]
    for step in range(2):
        for i, context in enumerate(contexts):
            run.track(i, name="loss", step=step, context=context)
    run.close()
    stored = reread(shared, run)
    for i, context in enumerate(contexts):
        assert stored.get_metric("loss", context).values.values_list() == [i, i]


def test_context_of_exactly_4_kib_is_accepted_and_reads_back(shared, run):
    frame = len('{"k":"","p":""}')
    context = {"k": "é" * ((4096 - frame) // 6)}  # JSON escapes é as \u00e9: 6 bytes
    context["p"] = "x" * (4096 - frame - 6 * len(context["k"]))
    assert len(json.dumps(context, sort_keys=True, separators=(",", ":"))) == 4096
    run.track(1.0, name="loss", context=context)
    run.close()
    metric = reread(shared, run).get_metric("loss", context)
    assert metric is not None and metric.context == context


# --- steps and epochs ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("step", "error", "message"),
    [
        (-1, ValueError, rf"must be in 0\.\.{MAX_STEP}, got -1"),
        (MAX_STEP + 1, ValueError, rf"must be in 0\.\.{MAX_STEP}, got {MAX_STEP + 1}"),
        (2**63, ValueError, f"got {2**63}"),
        (1.0, TypeError, "must be an int, not float"),
        (True, TypeError, "must be an int, not bool"),
        ("3", TypeError, "must be an int, not str"),
        (np.float64(2), TypeError, "must be an int, not float64"),
        (np.array([1, 2]), TypeError, "must be an int, not ndarray"),
    ],
    ids=["negative", "over max", "over int64", "float", "bool", "str", "numpy float", "array"],
)
def test_bad_step(run, step, error, message):
    with pytest.raises(error, match=rf"step of sequence 'loss' .*{message}"):
        run.track(1.0, name="loss", step=step)


def test_largest_steps_read_back_exactly(shared, run):
    for i, step in enumerate([0, MAX_STEP - 1, MAX_STEP]):
        run.track(i, name="far", step=step)
    run.track(9, name="far", step=np.uint32(7))
    run.close()
    metric = reread(shared, run).get_metric("far")
    assert metric.values.sparse_list() == ([0, 7, MAX_STEP - 1, MAX_STEP], [0, 9, 1, 2])


@pytest.mark.parametrize(
    ("epoch", "error", "message"),
    [
        ("1", TypeError, "cannot track a str as the epoch"),
        ([1], TypeError, "cannot track a list as the epoch"),
        (True, TypeError, "epoch of sequence 'loss' .* must be a number, not bool"),
        (np.array([1, 2]), ValueError, "array of 2 elements as the epoch"),
        (10**400, ValueError, "epoch of sequence 'loss' .* is too large"),
    ],
    ids=["str", "list", "bool", "array", "huge"],
)
def test_bad_epoch(run, epoch, error, message):
    with pytest.raises(error, match=message):
        run.track(1.0, name="loss", epoch=epoch)


def test_epochs_of_numeric_kinds_read_back(shared, run):
    for step, epoch in enumerate([0, 2.5, np.int64(3), np.float32(4.5), None]):
        run.track(1.0, name="e", step=step, epoch=epoch)
    run.close()
    epochs = reread(shared, run).get_metric("e").epochs.values_list()
    assert epochs[:4] == [0.0, 2.5, 3.0, 4.5] and math.isnan(epochs[4])


# --- runs ------------------------------------------------------------------------------------
def test_unknown_run_hash_is_a_missing_run_error_naming_it(shared):
    with pytest.raises(MissingRunError, match="no run with hash 'feedfacefeedfacefeedface'"):
        Run("feedfacefeedfacefeedface", repo=str(shared))
    with pytest.raises(MissingRunError, match="feedface"):
        Run("feedfacefeedfacefeedface", repo=str(shared), read_only=True)


@pytest.mark.parametrize("run_hash", ["", "has space", "a/b", "x" * 65, "ü"])
def test_malformed_run_hash_is_a_value_error(shared, run_hash):
    with pytest.raises(ValueError, match="run_hash .* must be 1..64 chars"):
        Run(run_hash, repo=str(shared))


def test_non_str_run_hash_is_a_type_error(shared):
    with pytest.raises(TypeError, match="run_hash must be a str, not int"):
        Run(123, repo=str(shared))


def test_read_only_run_needs_a_hash(tmp_path):
    with pytest.raises(ValueError, match="read-only Run needs the run_hash"):
        Run(repo=str(tmp_path), read_only=True)
    assert not (tmp_path / ".aim").exists()  # refused before any daemon was started


@pytest.mark.parametrize("prop", ["name", "description", "experiment"])
@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (None, TypeError, "must be a str, not NoneType"),
        (5, TypeError, "must be a str, not int"),
        ("bad \ud800", ValueError, "is not valid Unicode"),
    ],
    ids=["None", "int", "lone surrogate"],
)
def test_bad_run_prop_is_refused_and_changes_nothing(shared, run, prop, value, error, message):
    before = getattr(run, prop)
    with pytest.raises(error, match=rf"run\.{prop} {message}"):
        setattr(run, prop, value)
    assert getattr(reread(shared, run), prop) == before


def test_prop_over_the_daemons_limit_is_refused_before_it_is_sent(shared, run):
    with pytest.raises(ValueError, match="run.name is 4097 chars long, over the 4096 a run stores"):
        run.name = "n" * 4097  # the daemon's limit (aimproto.contract), checked in the caller's thread
    with pytest.raises(ValueError, match="run.description is 65537 chars long, over the 65536"):
        run.description = "d" * 65537
    run.description = "d" * 65536
    with pytest.raises(RequestRejected, match="a tag must not be empty"):
        run.add_tag("")
    run.add_tag("ok")
    assert reread(shared, run).tags == ["ok"]


@pytest.mark.parametrize("tag", [None, 3, ["a"]])
def test_tag_that_is_not_a_str_is_a_type_error(run, tag):
    with pytest.raises(TypeError, match="a tag must be a str"):
        run.add_tag(tag)
    with pytest.raises(TypeError, match="a tag must be a str"):
        run.remove_tag(tag)
    assert run.tags == []


# --- repositories ----------------------------------------------------------------------------
def test_unwritable_repository_is_a_repo_error_naming_it(unwritable_folder):
    with pytest.raises(RepoError, match=str(unwritable_folder / ".aim")):
        Run(repo=str(unwritable_folder))


def test_aim_path_that_is_a_regular_file_is_a_repo_error_naming_it(repo):
    (repo / ".aim").write_text("not a folder")
    with pytest.raises(RepoError, match=rf"{repo / '.aim'}.*File exists"):
        Run(repo=str(repo))
    assert (repo / ".aim").read_text() == "not a folder"


def test_daemon_that_cannot_open_its_store_is_daemon_unavailable_naming_log_and_cause(repo):
    """1. make <repo>/.aim/db a file; 2. Run() cannot start a daemon: the error names the log file and
    the store path; 3. no daemon is left behind."""
    (repo / ".aim").mkdir()
    (repo / ".aim" / "db").write_text("not a database")
    with pytest.raises(DaemonUnavailable) as caught:
        Run(repo=str(repo))
    message = str(caught.value)
    assert str(repo / ".aim" / "aimd.log") in message
    assert f"cannot open the store at {repo / '.aim' / 'db'}" in message
    assert daemon_pid(repo) is None
