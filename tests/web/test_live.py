"""Live pages in headless Chromium: a child process tracks while the page is open and the page
follows (the daemon's Watch stream relayed by `aim up` as Server-Sent Events), without a reload."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, release_repo, stop_daemon
from tests.web.helpers import served, visit

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

TRACKER = """
import sys, time
from pathlib import Path
from aim import Run
stop = Path(sys.argv[2])
run = Run(repo=sys.argv[1], system_tracking_interval=None, capture_terminal_logs=False)
run.name = "live"
step = 0
while not stop.exists():
    run.track(float(step), name="loss", step=step, context={"subset": "train"})
    if step == 0:
        print(run.hash, flush=True)
    step += 1
    time.sleep(0.05)
run.close()
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Iterator[Path]:
    repo = tmp_path_factory.mktemp("live") / "repo"
    repo.mkdir()
    subprocess.run([sys.executable, "-m", "aim.cli.main", "init", "--repo", str(repo)], cwd=ROOT, check=True)
    yield repo
    release_repo(repo)


@pytest.fixture(scope="module")
def site(repo) -> Iterator[str]:
    with served(repo) as url:
        yield url


@pytest.fixture(scope="module")
def viewport() -> dict[str, int]:
    return {"width": 1200, "height": 800}


class Tracker:
    """A child process that tracks `loss` every 50 ms until stopped."""

    def __init__(self, repo: Path, tmp: Path) -> None:
        self.stop_file = tmp / "stop"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", TRACKER, str(repo), str(self.stop_file)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.hash = self.proc.stdout.readline().strip()
        assert self.hash, "the tracker did not start"

    def finish(self) -> None:
        self.stop_file.touch()
        try:
            assert self.proc.wait(timeout=60) == 0
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


LAST_STEP = (
    "(() => { const c = document.querySelector('#run-metrics .chart');"
    " return c && c.data ? c.data[0].x.at(-1) : -1 })()"
)


def test_the_chart_of_an_active_run_grows_without_a_reload_and_pauses(page, site, repo, tmp_path):
    tracker = Tracker(repo, tmp_path)
    try:
        visit(page, f"{site}/runs/{tracker.hash}/metrics", "run-metrics")
        page.wait_for_selector("body[data-live=live]")
        page.evaluate("window.notReloaded = true")
        first = page.evaluate(LAST_STEP)
        page.wait_for_function(f"{LAST_STEP} >= {first + 10}")  # new points drawn
        assert page.evaluate("window.notReloaded")  # the same page: no reload, no query
        page.uncheck("#live-switch")
        page.wait_for_selector("body[data-live=paused]")
        assert page.evaluate("LIVE.source") is None
        page.check("#live-switch")
        paused_at = page.evaluate(LAST_STEP)
        page.wait_for_function(f"{LAST_STEP} >= {paused_at + 5}")
        # the runs table: the run is active, then finished when the child closes it
        visit(page, f"{site}/runs", "runs")
        row = page.locator(f'tr[data-hash="{tracker.hash}"]')
        assert "active" in row.inner_text()
        page.wait_for_selector("body[data-live=live]")
    finally:
        tracker.finish()
    page.wait_for_function(
        f"document.querySelector('tr[data-hash=\"{tracker.hash}\"]').innerText.includes('finished')"
    )


EXPLORER_LAST_STEP = (
    "(() => { const c = document.querySelector('.charts .chart');"
    " return c && c.data && c.data.length ? Math.max(...c.data.map((t) => t.x.at(-1))) : -1 })()"
)


def test_the_metrics_explorer_follows_an_active_run(page, site, repo, tmp_path):
    tracker = Tracker(repo, tmp_path)
    try:
        query = f'metric.name == "loss" and run.hash == "{tracker.hash}"'
        visit(page, f"{site}/metrics?q={query}", "metrics")
        page.wait_for_selector("body[data-live=live]")  # it watches the active run it shows
        page.evaluate("window.notReloaded = true")
        first = page.evaluate(EXPLORER_LAST_STEP)
        page.wait_for_function(f"{EXPLORER_LAST_STEP} >= {first + 10}")  # new points drawn
        assert page.evaluate("window.notReloaded")
        assert page.evaluate("LIVE.runs") == [tracker.hash]
    finally:
        tracker.finish()


def test_terminal_logs_follow_and_a_deleted_run_says_so(page, site, repo, tmp_path):
    from aim import Repo, Run, Text

    run = Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False)
    run.track(Text("first line"), name="logs", step=0)
    try:
        visit(page, f"{site}/runs/{run.hash}/logs", "run-logs")
        page.wait_for_selector("body[data-live=live]")
        run.track(Text("second line"), name="logs", step=1)
        page.wait_for_function("document.querySelector('#terminal-logs').innerText.includes('second line')")
    finally:
        run.close()
    assert Repo(str(repo)).delete_run(run.hash)
    page.wait_for_selector(".error:has-text('This run was deleted')")
    assert page.locator("body[data-live=ended]").count() == 1


def test_the_page_reconnects_after_a_daemon_restart(page, site, repo, tmp_path):
    visit(page, f"{site}/runs", "runs")
    page.wait_for_selector("body[data-live=live]")
    stop_daemon(repo)
    page.wait_for_selector("body[data-live='reconnecting…']")
    page.wait_for_selector("body[data-live=live]")  # the relay watches again once it answers
    tracker = Tracker(repo, tmp_path)
    try:  # a run started after the restart shows up in its row once the table is searched again
        page.reload()
        page.wait_for_selector(f'tr[data-hash="{tracker.hash}"]')
        page.wait_for_selector("body[data-live=live]")
    finally:
        tracker.finish()
    page.wait_for_function(
        f"document.querySelector('tr[data-hash=\"{tracker.hash}\"]').innerText.includes('finished')"
    )
