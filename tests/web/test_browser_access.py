"""`aim up`'s guard in headless Chromium: its own pages work as 127.0.0.1 and as localhost, a name
rebound to this machine gets the refusal page, and the UI works under --base-path behind a proxy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from aim import Repo, Run
from tests.helpers import release_repo
from tests.web.helpers import CHROMIUM, CHROMIUM_FLAGS, Proxy, serve, stop, visit

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

QUIET = {"system_tracking_interval": None, "capture_terminal_logs": False}
ROWS = "document.querySelectorAll('table.runs tbody tr').length"


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Iterator[tuple[Path, list[str]]]:
    repo = tmp_path_factory.mktemp("guarded-ui") / "repo"
    repo.mkdir()
    hashes = []
    for i in range(2):
        with Run(repo=str(repo), **QUIET) as run:
            run.name = f"run-{i}"
            for step in range(5):
                run.track(1.0 / (step + 1), name="loss", step=step)
        hashes.append(run.hash)
    yield repo, hashes
    release_repo(repo)


@pytest.fixture(scope="module")
def browser(playwright) -> Iterator[object]:
    # every *.test name resolves to this machine, as a rebound or a proxy's name would
    args = [*CHROMIUM_FLAGS, "--host-resolver-rules=MAP *.test 127.0.0.1"]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    yield browser
    browser.close()


def archive_and_back(page, base: str, run_hash: str, repo: Path) -> None:
    """Archive run_hash from the runs table at base, see it archived, and unarchive it."""
    visit(page, base + "/runs", "runs")
    assert page.evaluate(ROWS) == 2
    page.check(f'tr[data-hash="{run_hash}"] input.select')
    page.click("text=Archive")
    page.wait_for_function(f"{ROWS} == 1")
    assert Repo(str(repo)).get_run(run_hash).archived
    page.check("#show-archived")
    page.wait_for_function(f"{ROWS} == 2")
    page.check(f'tr[data-hash="{run_hash}"] input.select')
    page.click("text=Unarchive")
    page.wait_for_function(
        f"document.querySelector('tr[data-hash=\"{run_hash}\"]').innerText.includes('archived') == false"
    )
    assert not Repo(str(repo)).get_run(run_hash).archived


def test_the_ui_works_as_127_0_0_1_and_as_localhost_and_refuses_a_rebound_name(page, repo):
    folder, hashes = repo
    proc, url = serve(folder)
    port = urlsplit(url).port
    try:
        for host in ("127.0.0.1", "localhost"):
            base = f"http://{host}:{port}"
            archive_and_back(page, base, hashes[0], folder)
            page.click(f'tr[data-hash="{hashes[1]}"] td a')
            page.wait_for_url(f"{base}/runs/{hashes[1]}")
            page.wait_for_selector("body[data-rendered=run-overview]")
            visit(page, base + "/metrics", "metrics")
            assert page.locator(".chart").count() == 1
        # DNS rebinding: another site's name, resolved to this machine, on the UI's port
        reply = page.goto(f"http://rebound.test:{port}/")
        assert reply.status == 403 and page.locator("h1").inner_text() == "Host not allowed"
        assert "--allowed-host rebound.test" in page.locator("p").inner_text()
        assert page.goto(f"http://rebound.test:{port}/api/runs").status == 403
    finally:
        stop(proc)


def test_the_ui_under_a_base_path_behind_a_reverse_proxy(page, repo):
    folder, hashes = repo
    proc, url = serve(folder, "--base-path", "/aim", "--allowed-host", "aim.proxy.test")
    proxy = Proxy(urlsplit(url).port)
    try:
        base = f"http://aim.proxy.test:{proxy.port}/aim"
        archive_and_back(page, base, hashes[1], folder)
        page.click("nav >> text=Metrics")
        page.wait_for_url(f"{base}/metrics")
        page.wait_for_selector("body[data-rendered=metrics]")
        assert page.locator(".chart").count() == 1  # plotly.js and the API, under the prefix
        page.go_back()
        page.wait_for_url(f"{base}/runs")
        page.wait_for_selector("body[data-rendered=runs]")
        page.click(f'tr[data-hash="{hashes[0]}"] td a')
        page.wait_for_url(f"{base}/runs/{hashes[0]}")
        page.wait_for_selector("body[data-rendered=run-overview]")
        assert page.locator("h1.run-name").inner_text() == "run-0"
    finally:
        proxy.close()
        stop(proc)
