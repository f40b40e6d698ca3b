"""Run.log_info() & co. through the real daemon: one LogRecord per step in the run's
'__log_records' sequence (as Aim names it), read back with get_log_records() and queried with
`log_records` in AimQL."""

from __future__ import annotations

import inspect
import math

import pytest

from aim import Repo, Run
from aim._model.query import QueryReportMode
from aim.errors import ClosedRunError, ReadOnlyRunError
from aim.sdk.logging import LogRecord, LogRecords

QUIET = QueryReportMode.DISABLED


def test_logged_messages_read_back_in_order_with_level_caller_and_arguments(shared):
    run = Run(repo=str(shared))
    line = inspect.currentframe().f_lineno
    run.log_info("starting", lr=0.1, sizes=[1, 2], nested={"a": None})
    run.log_warning("slow step")
    run.log_error("diverged", loss=math.inf)
    run.log_debug("détails ✓")
    run.close()

    logs = Repo(str(shared)).get_run(run.hash).get_log_records()
    assert isinstance(logs, LogRecords) and logs.name == "__log_records"
    steps, records = logs.values.sparse_list()
    assert steps == [0, 1, 2, 3]
    assert all(isinstance(r, LogRecord) for r in records)
    assert [(r.message, r.level) for r in records] == [
        ("starting", 20),
        ("slow step", 30),
        ("diverged", 40),
        ("détails ✓", 10),
    ]
    assert [r.logger_info for r in records] == [(__file__, line + i) for i in range(1, 5)]
    assert records[0].json()["args"] == {"lr": 0.1, "sizes": [1, 2], "nested": {"a": None}}
    assert records[2].args == {"loss": math.inf}
    assert [r.json()["log_level"] for r in records] == ["INFO", "WARNING", "ERROR", "DEBUG"]
    assert records[0].timestamp <= records[3].timestamp


def test_a_run_without_log_has_no_log_records(run):
    run.track(1.0, name="loss")
    assert run.get_log_records() is None


def test_log_records_in_aimql(shared):
    chatty, quiet = Run(repo=str(shared)), Run(repo=str(shared))
    chatty["tag"] = "chatty-query"
    quiet["tag"] = "chatty-query"
    for i in range(3):
        chatty.log_info(f"step {i}")
    quiet.log_info("once")
    chatty.close()
    quiet.close()
    repo = Repo(str(shared))
    found = {
        (s.run.hash, s.name, len(s))
        for s in repo.query_log_records(
            "run.tag == 'chatty-query' and log_records.count > 1", report_mode=QUIET
        )
    }
    assert found == {(chatty.hash, "__log_records", 3)}
    assert "__log_records" in repo.collect_sequence_info("log_records")["log_records"]


def test_bad_arguments_are_clear_errors_and_nothing_is_stored(shared):
    run = Run(repo=str(shared))
    with pytest.raises(TypeError, match="log record arguments must be JSON values"):
        run.log_info("x", handle=object())
    with pytest.raises(TypeError, match="a log message must be a str"):
        run.log_error(42)
    with pytest.raises(ValueError, match="log record arguments are .* bytes as JSON"):
        run.log_info("x", blob="a" * 40000)
    run.log_info("fine")
    run.close()
    (record,) = Repo(str(shared)).get_run(run.hash).get_log_records().values.values_list()
    assert record.message == "fine"
    with pytest.raises(ClosedRunError):
        run.log_info("after close")
    with pytest.raises(ReadOnlyRunError):
        Repo(str(shared)).get_run(run.hash).log_info("read-only")
