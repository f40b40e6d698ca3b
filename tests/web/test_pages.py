"""Aim's addresses, the page shell and the run page's tabs and settings, in headless Chromium over
a real `aim up` (see test_browser.py for the harness)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import release_repo
from tests.web.helpers import INJECTED, fill, rendered, serve, served, stop, visit

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Iterator[tuple[Path, dict[str, str]]]:
    repo = tmp_path_factory.mktemp("pages") / "repo"
    repo.mkdir()
    hashes = fill(repo)
    yield repo, hashes
    release_repo(repo)


@pytest.fixture(scope="module")
def site(repo) -> Iterator[tuple[str, dict[str, str]]]:
    with served(repo[0]) as url:
        yield url, repo[1]


@pytest.fixture(scope="module")
def viewport() -> dict[str, int]:
    return {"width": 1200, "height": 800}


def reset(page) -> None:
    page.evaluate("document.body.dataset.rendered = ''")


ADDRESSES = [  # Aim's address -> what the page marks rendered and the title it starts with
    ("/", "home", "Home"),
    ("/runs", "runs", "Runs"),
    ("/experiments", "experiments", "Experiments"),
    ("/experiments/mnist", "experiment", "mnist · Experiment"),
    ("/metrics", "metrics", "Metrics"),
    ("/params", "params", "Params"),
    ("/scatters", "scatters", "Scatters"),
    ("/images", "images", "Images"),
    ("/figures", "figures", "Figures"),
    ("/audios", "audios", "Audios"),
    ("/text", "texts", "Texts"),
    ("/distributions", "distributions", "Distributions"),
    ("/tags", "tags", "Tags"),
    ("/bookmarks", "bookmarks", "Bookmarks"),
]


def test_every_aim_address_renders_its_page(page, site):
    url, hashes = site
    for path, what, title in ADDRESSES:
        visit(page, url + path, what)
        assert page.title().startswith(title), (path, page.title())
    for tab, title in [("overview", "Overview"), ("notes", "Notes"), ("settings", "Settings")]:
        visit(page, f"{url}/runs/{hashes['run0']}/{tab}", f"run-{tab}")
        assert page.title() == f"run-0 · {title} · Run · Aim"


def test_unknown_run_experiment_or_tab_is_a_not_found_page_with_a_way_back(page, site):
    url, hashes = site
    visit(page, url + "/runs", "runs")
    for path in ["/runs/0123456789abcdef01234567", "/experiments/nope", f"/runs/{hashes['run0']}/nope"]:
        response = page.goto(url + path)
        assert response.status == 404
        rendered(page, "notfound")
        assert "Not found" in page.locator("h1").inner_text()
    page.click(".not-found >> text=Back")
    page.wait_for_url("**/experiments/nope")
    page.click(".not-found >> text=All runs")
    rendered(page, "runs")


def test_numbers_durations_and_wide_tables_read_well(page, site):
    url, _ = site
    visit(page, url + "/runs", "runs")
    formatted = page.evaluate(
        "[fmtValue(0.0001), fmtValue(0.123456789), fmtValue(1234567.8), fmtValue(32), fmtValue(1e-5 + 1),"
        " fmtDuration(0.25), fmtDuration(12.34), fmtDuration(3725)]"
    )
    assert formatted == ["1e-4", "0.1235", "1.235e+6", "32", "1", "250ms", "12.3s", "1h 2m"]
    lr = page.locator("td", has_text="0.001").first  # run-0's lr, not 0.00100000
    assert lr.inner_text() == "0.001"
    page.wait_for_selector("tr.stats th")  # the metrics' columns came
    assert page.locator("tr.stats th").first.inner_text().strip() == "last"
    group = page.locator("th.metric-group").first
    assert group.get_attribute("title") == group.inner_text()
    # scrolled far right, the nav bar and the name column stay in view
    page.evaluate("document.querySelector('.table-scroll').scrollLeft = 10000; window.scrollTo(0, 200)")
    name = page.locator("tbody td.sticky-1").first
    box, scroller = name.bounding_box(), page.locator(".table-scroll").bounding_box()
    assert box["x"] < scroller["x"] + 80
    assert page.locator("nav").bounding_box()["y"] == 0
    palette = page.evaluate("AIM_PALETTE.slice(0, 20)")
    assert len(set(palette)) == 20


def test_run_tabs_keep_their_address_back_and_reload(page, site):
    url, hashes = site
    visit(page, url + "/runs", "runs")
    page.click(f'tr[data-hash="{hashes["run1"]}"] td a')
    page.wait_for_url(f"**/runs/{hashes['run1']}")
    rendered(page, "run-overview")
    assert page.locator("h1.run-name").inner_text() == "run-1"
    assert "mnist" in page.locator("table.props").inner_text()
    page.click(".tabs >> text=Params")
    page.wait_for_url(f"**/runs/{hashes['run1']}/run_parameters")
    rendered(page, "run-run_parameters")
    assert "adam" in page.locator(".params").inner_text()
    page.click(".tabs >> text=Metrics")
    rendered(page, "run-metrics")
    page.wait_for_function("document.querySelector('#run-metrics').dataset.drawn == 'all'")
    assert page.locator("#run-metrics .chart .scatterlayer .trace path.js-line").count() >= 2
    page.click(".tabs >> text=System")
    rendered(page, "run-system")
    page.wait_for_function("document.querySelector('#run-system').dataset.drawn == 'all'")
    assert page.locator("#run-system .chart").count() == 1  # __system__cpu
    page.go_back()
    page.wait_for_url(f"**/runs/{hashes['run1']}/metrics")
    rendered(page, "run-metrics")
    assert page.locator(".tabs a.current").inner_text() == "Metrics"
    page.reload()
    rendered(page, "run-metrics")
    assert page.locator(".tabs a.current").inner_text() == "Metrics"


def test_run_object_tabs(page, site):
    url, hashes = site
    base = f"{url}/runs/{hashes['objects']}"
    visit(page, base + "/messages", "run-messages")
    rows = page.locator("table.log-records tbody tr")
    assert rows.locator("td.level").all_inner_texts() == ["INFO", "WARNING", "ERROR"]
    assert rows.first.locator("pre").inner_text() == f"started {INJECTED}"
    page.click(".tabs >> text=Logs")
    rendered(page, "run-logs")
    assert page.locator("#terminal-logs").inner_text().splitlines() == [
        f"epoch {step} done {INJECTED}" for step in range(3)
    ]
    page.click(".tabs >> text=Audios")
    rendered(page, "run-audios")
    assert page.locator("#tab audio").count() == 3
    page.click(".tabs >> text=Images")
    rendered(page, "run-images")
    assert page.locator("#tab figure img").count() == 2  # the last step's two images
    page.click(".tabs >> text=Distributions")
    rendered(page, "run-distributions")
    assert page.locator("#tab .chart.histogram .barlayer .point").count() > 0  # one step's histogram
    assert page.evaluate("document.querySelector('#tab .chart.histogram').data[0].y.length") > 0
    page.click(".tabs >> text=Figures")
    rendered(page, "run-figures")
    page.click("text=open in the figures explorer")
    page.wait_for_url("**/figures?q=*")
    rendered(page, "figures")
    assert page.evaluate("document.querySelector('.chart.figure').data[0].y.length") == 3
    assert page.evaluate("window.aimInjected") is None


def test_settings_rename_is_seen_by_the_sdk_and_empty_is_refused(page, site, repo):
    from aim import Repo

    url, hashes = site
    visit(page, f"{url}/runs/{hashes['run0']}/settings", "run-settings")
    page.fill("#setting-name", "   ")
    page.click("#save-settings")
    assert "cannot be empty" in page.locator(".settings-error").inner_text()
    page.fill("#setting-name", "renamed in the UI")
    page.fill("#setting-description", "a **good** run")
    reset(page)
    page.click("#save-settings")
    rendered(page, "run-settings")
    page.wait_for_selector(".settings-saved:has-text('Saved.')")
    assert page.locator("h1.run-name").inner_text() == "renamed in the UI"
    run = Repo(str(repo[0])).get_run(hashes["run0"])
    assert (run.name, run.description) == ("renamed in the UI", "a **good** run")
    page.fill("#setting-tag", "best")
    reset(page)
    page.click("#add-tag")
    rendered(page, "run-settings")
    assert Repo(str(repo[0])).get_run(hashes["run0"]).tags == ["best"]
    reset(page)
    page.click("#archive")
    rendered(page, "run-settings")
    assert Repo(str(repo[0])).get_run(hashes["run0"]).archived
    reset(page)
    page.click("#archive")  # unarchived again
    rendered(page, "run-settings")
    page.reload()
    rendered(page, "run-settings")
    assert page.locator("#setting-description").input_value() == "a **good** run"
    run = Repo(str(repo[0])).get_run(hashes["run0"])
    run.name = "run-0"
    run.remove_tag("best")


NOTE = "# Findings\n\n**lr** too high: see [the docs](https://example.org)\n\n- one\n- two\n\n" + INJECTED


def test_notes_render_safely_survive_a_daemon_restart_and_are_the_sdks(page, site, repo):
    from aim import Repo
    from aimproto import contract
    from tests.helpers import stop_daemon

    url, hashes = site
    visit(page, f"{url}/runs/{hashes['run1']}/notes", "run-notes")
    assert "No notes yet" in page.locator(".notes-view").inner_text()
    page.fill("#note-editor", NOTE)
    page.click("#save-notes")
    page.wait_for_selector(".notes-saved:has-text('Saved.')")
    view = page.locator(".notes-view .markdown")
    assert view.locator("h1").inner_text() == "Findings"
    assert view.locator("strong").inner_text() == "lr"
    assert view.locator("li").all_inner_texts() == ["one", "two"]
    assert INJECTED in view.inner_text()  # shown as text: nothing ran
    assert page.evaluate("window.aimInjected") is None
    assert Repo(str(repo[0])).get_run(hashes["run1"]).notes == NOTE
    stop_daemon(repo[0])  # the note is in the repository, not in the daemon's memory
    page.reload()
    rendered(page, "run-notes")
    assert page.locator("#note-editor").input_value() == NOTE
    page.fill("#note-editor", "x" * (contract.MAX_DOCUMENT_BYTES + 1))
    page.click("#save-notes")
    error = page.locator(".notes-error")
    error.wait_for()
    assert f"{contract.MAX_DOCUMENT_BYTES + 1} bytes" in error.inner_text()
    Repo(str(repo[0])).get_run(hashes["run1"]).notes = "from the SDK"
    page.reload()
    rendered(page, "run-notes")
    assert page.locator(".notes-view").inner_text() == "from the SDK"


def test_bookmark_a_view_and_open_it_from_the_bookmarks_page(page, site):
    url, _ = site
    visit(page, url + "/runs?q=run.hparams.lr%20%3E%205e-3", "runs")
    page.click("#bookmark-view")
    page.fill("#bookmark-name", "big lr")
    page.click("#save-bookmark")
    page.wait_for_selector(".bookmark-message:has-text('Bookmarked as big lr.')")
    page.click("nav >> text=Bookmarks")
    rendered(page, "bookmarks")
    row = page.locator('tr[data-name="big lr"]')
    assert row.locator("td").nth(1).inner_text() == "runs?q=run.hparams.lr%20%3E%205e-3"
    row.locator("a").click()
    rendered(page, "runs")
    page.wait_for_function("document.querySelectorAll('table.runs tbody tr').length == 1")
    assert page.locator("input[name=q]").input_value() == "run.hparams.lr > 5e-3"
    page.go_back()
    rendered(page, "bookmarks")
    reset(page)
    page.locator('tr[data-name="big lr"] button.delete').click()
    rendered(page, "bookmarks")
    assert page.locator('tr[data-name="big lr"]').count() == 0


def test_home_experiments_and_tags_pages(page, site, repo):
    from aim import Repo

    url, hashes = site
    visit(page, url + "/", "home")
    cards = page.locator(".stats-cards .card b").all_inner_texts()
    assert cards[:3] == ["4", "3", "0"]  # runs, experiments, active
    assert page.locator(".calendar span[data-runs='4']").count() == 1  # today
    assert page.locator("table.runs tbody tr").count() == 4
    page.click(".stats-cards >> text=experiments")
    rendered(page, "experiments")
    page.click('tr[data-name="mnist"] a')
    rendered(page, "experiment")
    assert page.locator("table.runs tbody tr").count() == 2
    page.fill("#note-editor", "mnist **baseline**")
    page.click("#save-notes")
    page.wait_for_selector(".notes-saved:has-text('Saved.')")
    page.fill("#experiment-name", "digits")
    page.click("#rename-experiment")
    page.wait_for_url("**/experiments/digits")
    rendered(page, "experiment")
    assert page.locator(".notes-view strong").inner_text() == "baseline"  # the notes followed
    assert {r.experiment for r in Repo(str(repo[0])).iter_runs()} == {"digits", "objects", "hostile"}
    page.fill("#experiment-name", "mnist")
    page.click("#rename-experiment")
    page.wait_for_url("**/experiments/mnist")
    rendered(page, "experiment")
    # tags: create one with a colour, tag a run from the SDK, rename, delete
    page.click("nav >> text=Tags")
    rendered(page, "tags")
    page.fill("#new-tag", "baseline")
    page.fill("#new-tag-description", "the reference runs")
    reset(page)
    page.click("#create-tag")
    rendered(page, "tags")
    row = page.locator('tr[data-tag="baseline"]')
    assert row.locator("td").nth(1).inner_text() == "the reference runs"
    assert row.locator("td.count").inner_text() == "0"
    Repo(str(repo[0])).get_run(hashes["run0"]).add_tag("baseline")
    page.reload()
    rendered(page, "tags")
    assert page.locator('tr[data-tag="baseline"] td.count').inner_text() == "1"
    page.locator('tr[data-tag="baseline"] input.rename-tag').fill("reference")
    reset(page)
    page.locator('tr[data-tag="baseline"] button.rename').click()
    rendered(page, "tags")
    assert page.locator('tr[data-tag="reference"] td').nth(1).inner_text() == "the reference runs"
    assert Repo(str(repo[0])).get_run(hashes["run0"]).tags == ["reference"]
    reset(page)
    page.locator('tr[data-tag="reference"] button.delete').click()
    rendered(page, "tags")
    assert page.locator('tr[data-tag="reference"]').count() == 0
    assert Repo(str(repo[0])).get_run(hashes["run0"]).tags == []


def test_deleting_an_experiment_with_an_active_run_is_refused_then_done(page, site, repo):
    from aim import Run

    url, _ = site
    run = Run(
        repo=str(repo[0]), experiment="doomed", system_tracking_interval=None, capture_terminal_logs=False
    )
    try:
        visit(page, url + "/experiments/doomed", "experiment")
        page.click("#delete-experiment")  # the dialog warns and is accepted
        error = page.locator(".error:not(:empty)")
        error.wait_for()
        assert "still being tracked into" in error.inner_text()
    finally:
        run.close()
    page.click("#delete-experiment")
    page.wait_for_url("**/experiments")
    rendered(page, "experiments")
    assert page.locator('tr[data-name="doomed"]').count() == 0
    assert page.goto(url + "/experiments/doomed").status == 404


def test_the_overview_lists_the_runs_artifacts_with_download_links(page, site, tmp_path):
    from aim import Run

    url, _ = site
    repo = tmp_path / "artifacts-repo"
    repo.mkdir()
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_bytes(b"weights" * 100)
    with Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False) as run:
        run.set_artifacts_uri(f"file://{tmp_path / 'store'}")
        run.log_artifact(str(ckpt), name="best/model.ckpt", block=True)
    proc, other = serve(repo)
    try:
        visit(page, f"{other}/runs/{run.hash}/overview", "run-overview")
        link = page.locator("table.artifacts a")
        assert link.inner_text() == "best/model.ckpt"
        assert page.locator("table.artifacts").inner_text().count(f"/{run.hash}/best/model.ckpt") == 1
        with page.expect_download() as download:
            link.click()
        assert Path(download.value.path()).read_bytes() == ckpt.read_bytes()
    finally:
        stop(proc)
        release_repo(repo)
