"""aimd.notify: deliveries retried with backoff until the endpoint takes them, once per (run,
event); overdue progress reports on a fake clock; Slack's payload."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aimd import notify
from tests.helpers import wait_for


@pytest.fixture
def flaky_endpoint():
    """Answers 503 to the first two POSTs, then 200; records the bodies it accepted."""
    state = {"calls": 0, "accepted": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state["calls"] += 1
            accepted = state["calls"] > 2
            if accepted:  # recorded before the answer: the next POST can only come after it
                state["accepted"].append(body)
            self.send_response(200 if accepted else 503)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", state
    server.shutdown()
    server.server_close()


def test_a_failing_endpoint_gets_the_notification_once_after_retries(flaky_endpoint, monkeypatch):
    monkeypatch.setattr(notify, "BACKOFF_S", (0.01, 0.01, 0.01))
    url, state = flaky_endpoint
    notifier = notify.Notifier((url,), "/repo")
    run = {"hash": "a" * 24, "name": "n", "experiment": "e", "active": False}
    notifier.event(notify.CRASHED, run)
    notifier.event(notify.CRASHED, run)  # the same event again: not sent twice
    notifier.event(notify.FINISHED, run)
    wait_for(lambda: len(state["accepted"]) == 2)
    notifier.close()
    assert [body["event"] for body in state["accepted"]] == ["crashed", "finished"]
    assert state["calls"] == 4


def test_overdue_progress_on_a_fake_clock():
    now = [100.0]
    health = notify.RunHealth(clock=lambda: now[0])
    watch = health._progress
    watch.report({"hash": "r1"}, 10)
    watch.report({"hash": "r2"}, 0)  # none expected
    now[0] += 10 + notify.PROGRESS_GRACE_S - 0.001
    assert watch.overdue() == []
    now[0] += 0.002
    assert watch.overdue() == [{"hash": "r1"}]
    assert watch.overdue() == []  # once


def test_payloads_and_urls():
    run = {"hash": "b" * 24, "name": "exp run", "experiment": "e"}
    address, body = notify.payload("slack+https://example.invalid/T/1", notify.CRASHED, run, "/r")
    assert address == "https://example.invalid/T/1" and set(json.loads(body)) == {"text"}
    address, body = notify.payload("http://127.0.0.1:9/x", notify.FINISHED, run, "/r")
    assert json.loads(body)["event"] == "finished" and json.loads(body)["repo"] == "/r"
    with pytest.raises(ValueError, match="http"):
        notify.check_webhook("localhost:8000")
