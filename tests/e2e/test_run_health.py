"""Run health from the daemon: the repository's webhooks (a local HTTP server here) hear once of a
run whose training process was killed, of a missed progress report, and of a finish; a webhook
that hangs slows nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aim import Repo, Run
from aim.errors import ReadOnlyRunError
from tests.helpers import ROOT, quiet_run, start_daemon, wait_for

TRAINING = """
import sys
from aim import Run
run = Run(repo=sys.argv[1], system_tracking_interval=None)
run.name = "doomed"
for step in range(100):
    run.track(float(step), name="loss", step=step)
run.report_progress(expect_next_in=3600)
print(run.hash, flush=True)
sys.stdin.read()  # trains until killed
"""


class Hooks:
    """A webhook receiver on loopback: every POST body, by path."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self.hang = threading.Event()  # set: /hang never answers until the test ends
        self.release = threading.Event()
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path == "/hang":
                    hooks.release.wait(60)
                hooks.received.append((self.path, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, path: str, run_hash: str) -> list[str]:
        found = []
        for where, body in list(self.received):
            if where != path:
                continue
            if path == "/slack":
                if run_hash in body["text"]:
                    found.append(body["text"])
            elif body["run_hash"] == run_hash:
                found.append(body["event"])
        return found

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooks():
    receiver = Hooks()
    yield receiver
    receiver.close()


def test_a_killed_training_process_is_notified_exactly_once(repo, hooks):
    start_daemon(
        repo,
        *("--webhook", f"{hooks.url}/generic"),
        *("--webhook", f"slack+{hooks.url}/slack"),
        *("--webhook", f"{hooks.url}/hang"),  # hangs: the others are not held up
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", TRAINING, str(repo)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        killed = proc.stdout.readline().strip()
        assert killed, "the training process printed no run hash"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    wait_for(lambda: hooks.events("/generic", killed), timeout=60)
    assert wait_for(lambda: hooks.events("/slack", killed), timeout=60)[0].startswith(f"Run doomed ({killed}")

    # A later event of another run comes after any repeat would have (one thread per webhook).
    with quiet_run(repo) as later:
        later.track(1.0, name="x")
    wait_for(lambda: hooks.events("/generic", later.hash), timeout=60)
    wait_for(lambda: hooks.events("/slack", later.hash), timeout=60)
    assert hooks.events("/generic", killed) == ["crashed"]
    assert len(hooks.events("/slack", killed)) == 1 and "crashed" in hooks.events("/slack", killed)[0]
    assert hooks.events("/generic", later.hash) == ["finished"]
    generic = next(
        body for where, body in hooks.received if where == "/generic" and body["run_hash"] == killed
    )
    assert (generic["run_name"], generic["repo"]) == ("doomed", str(repo))
    assert Repo(str(repo)).get_run(killed).status == "crashed"
    assert hooks.events("/hang", killed) == []  # still hanging, and nothing else waited for it


def test_a_missed_progress_report_and_a_successful_finish(repo, hooks):
    start_daemon(repo, "--webhook", f"{hooks.url}/generic")
    run = quiet_run(repo)
    run.report_progress(expect_next_in=1, at_step=10)
    wait_for(lambda: hooks.events("/generic", run.hash), timeout=60)
    assert hooks.events("/generic", run.hash) == ["missed_progress"]
    run.report_progress(expect_next_in=3600)  # on time again: nothing more is said
    run.report_successful_finish()
    wait_for(lambda: len(hooks.events("/generic", run.hash)) == 2, timeout=60)
    run.close()  # finished was said already
    other = quiet_run(repo)
    other.close()
    wait_for(lambda: hooks.events("/generic", other.hash), timeout=60)
    assert hooks.events("/generic", run.hash) == ["missed_progress", "finished"]


def test_report_progress_bad_input(repo):
    run = quiet_run(repo)
    try:
        with pytest.raises(ValueError, match=">= 0"):
            run.report_progress(expect_next_in=-1)
        with pytest.raises(TypeError, match="number of seconds"):
            run.report_progress(expect_next_in="soon")
        with pytest.raises(TypeError, match="at_step"):
            run.report_progress(at_step=1.5)
        run.report_progress()  # no webhooks: accepted, nothing to tell
    finally:
        run.close()
    with pytest.raises(ReadOnlyRunError):
        Run(run.hash, repo=str(repo), read_only=True).report_successful_finish()


def test_a_bad_webhook_url_is_refused_by_aimd_start(repo):
    done = subprocess.run(
        [sys.executable, "-m", "aimd", "start", "--repo", str(repo), "--webhook", "ftp://x"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode != 0 and "must be an http:// or https:// URL" in done.stderr
    assert "Traceback" not in done.stderr
