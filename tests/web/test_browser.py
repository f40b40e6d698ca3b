"""The UI in headless Chromium (Debian's chromium, driven by playwright), served by a real
`aim up` process over a filled repository (make test-browser installs what this needs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import release_repo
from tests.web.helpers import (
    FIGURE_STEPS,
    INJECTED,
    SPIKE,
    entered,
    fill,
    rendered,
    rerendered,
    serve,
    served,
    stop,
    visit,
)

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    repo = tmp_path_factory.mktemp("ui") / "repo"
    repo.mkdir()
    hashes = fill(repo)
    with served(repo) as url:
        yield url, hashes
    release_repo(repo)


PLOTLY_FETCHES = (
    "performance.getEntriesByType('resource').filter(r => r.name.includes('/vendor/plotly.min.js')).length"
)
FIGURE = "document.querySelector('.chart.figure')"


def not_injected(page) -> None:
    assert page.evaluate("window.aimInjected") is None


def points_per_chart(page) -> list[int]:
    """Points drawn in each chart, once every chart container has drawn all its charts (those off
    screen are drawn after the page says it is rendered)."""
    page.wait_for_function("[...document.querySelectorAll('.charts')].every(c => c.dataset.drawn == 'all')")
    return page.evaluate(
        "[...document.querySelectorAll('.chart')]"
        ".map(d => (d.data || []).reduce((n, t) => n + t.x.length, 0))"
    )


def test_runs_table_query_and_run_page(page, site):
    url, hashes = site
    visit(page, url + "/runs", "runs")
    assert page.locator("table.runs tbody tr").count() == 4
    page.evaluate("document.body.dataset.rendered = ''")
    hostile = page.locator(f'tr[data-hash="{hashes["hostile"]}"] td a')
    assert hostile.inner_text().startswith(INJECTED)  # shown as text, cut by the server
    not_injected(page)
    page.fill("input[name=q]", "run.hparams.lr > 5e-3")
    page.press("input[name=q]", "Enter")
    page.wait_for_function("document.querySelectorAll('table.runs tbody tr').length == 1")
    page.click("th[data-key=name]")  # sorting re-renders
    page.click(f'tr[data-hash="{hashes["run1"]}"] td a')
    page.wait_for_url(f"**/runs/{hashes['run1']}")
    rendered(page, "run-overview")
    assert page.locator("h1.run-name").inner_text() == "run-1"
    page.click(".tabs >> text=Metrics")
    rendered(page, "run-metrics")
    assert min(points_per_chart(page)) > 0
    assert page.locator("#run-metrics .chart .scatterlayer .trace path.js-line").count() >= 2


def test_malformed_query_is_shown_with_its_position(page, site):
    url, _ = site
    page.goto(url + "/metrics?q=" + "metric.name%20==%20=%201")
    error = page.locator(".query-error")
    error.wait_for()
    page.wait_for_function("document.querySelector('.query-error').textContent.length > 0")
    assert "line 1, column 16" in error.inner_text()


def test_a_hostile_run_page_shows_everything_as_text(page, site):
    url, hashes = site
    visit(page, f"{url}/runs/{hashes['hostile']}/run_parameters", "run-run_parameters")
    assert page.locator("h1.run-name").inner_text() == INJECTED + "x" * 500  # whole, not cut
    assert "key149" in page.locator(".params").inner_text()  # every param of the huge tree
    not_injected(page)


def test_a_token_in_the_address_opens_a_guarded_read_only_ui(page, tmp_path):
    from aim import Run

    repo, token_file = tmp_path / "repo", tmp_path / "token"
    repo.mkdir()
    token_file.write_text("a-token-for-the-browser-test-0123")
    token_file.chmod(0o600)
    with Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False) as run:
        run.name = "guarded"
    proc, url = serve(repo, "--token-file", str(token_file), "--read-only")
    try:
        assert page.goto(url + "/runs").status == 401
        assert "Token needed" in page.locator("h1").inner_text()
        visit(page, url + "/runs?token=a-token-for-the-browser-test-0123", "runs")
        assert page.url == url + "/runs"  # the token left the address for a cookie
        assert page.locator("table.runs tbody tr").count() == 1  # the API calls carry the cookie
        assert not page.locator("button", has_text="Delete").is_visible()  # read-only: no actions
    finally:
        stop(proc)
        release_repo(repo)


def test_unknown_run_is_a_404_page(page, site):
    url, _ = site
    response = page.goto(url + "/runs/0123456789abcdef01234567")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"


def test_metrics_explorer_draws_every_metric_with_its_peak(page, site):
    url, _ = site
    visit(page, url + "/metrics", "metrics")  # every metric, before a query is typed
    page.evaluate("document.body.dataset.rendered = ''")
    page.fill("input[name=q]", 'metric.name == "loss"')
    page.press("input[name=q]", "Enter")
    rendered(page, "metrics")
    assert page.locator(".chart").count() == 1  # grouped by metric name
    assert min(points_per_chart(page)) > 0
    peak = page.evaluate("Math.max(...document.querySelector('.chart').data.flatMap(t => t.y))")
    assert peak == SPIKE
    assert page.locator(".chart .legendtext").count() == 0  # a key names the groups, not a legend
    assert "run-0" in page.locator(".group-key").inner_text()
    rerendered(page, "metrics", lambda: entered(page, "#chart-by", "metric.context"))
    assert page.locator(".chart").count() == 2  # train, val
    page.evaluate("document.body.dataset.rendered = ''")
    page.check("#log-scale")
    rendered(page, "metrics")
    assert page.evaluate("document.querySelector('.chart').layout.yaxis.type") == "log"
    page.evaluate("document.body.dataset.rendered = ''")
    page.select_option("#x-axis", "epoch")
    rendered(page, "metrics")
    assert 4 in page.evaluate("document.querySelector('.chart').data.flatMap(t => t.x)")  # epochs 0..4
    assert page.evaluate(PLOTLY_FETCHES) == 1  # plotly.js: once, however often the charts are redrawn
    not_injected(page)


DRAW_ORDER = """() => {
    window.drawOrder = [];
    const react = Plotly.react;
    Plotly.react = (div, ...args) => {
        window.drawOrder.push([...div.parentNode.children].indexOf(div));
        return react(div, ...args);
    };
}"""


def test_charts_on_screen_are_drawn_first_and_the_rest_after(page, site):
    url, _ = site
    page.set_viewport_size({"width": 600, "height": 400})  # one chart a row, one or two on screen
    visit(page, url + "/metrics?group=metric%2Bcontext", "metrics")
    assert page.locator(".chart").count() == 3  # loss train, loss val, __system__cpu
    assert min(points_per_chart(page)) > 0
    page.evaluate("document.querySelectorAll('.chart')[1].scrollIntoView()")  # the table is below
    assert page.evaluate("document.querySelector('.chart').getBoundingClientRect().bottom") <= 0
    page.evaluate(DRAW_ORDER)
    page.evaluate("document.body.dataset.rendered = ''")
    # ticked from script: a click would first scroll the box (at the top) into view
    page.eval_on_selector("#log-scale", "b => { b.checked = true; b.dispatchEvent(new Event('change')) }")
    rendered(page, "metrics")
    assert min(points_per_chart(page)) > 0
    assert page.evaluate("window.drawOrder") == [1, 2, 0]  # the one scrolled past comes last


def test_images_render_per_step_with_captions_as_text(page, site):
    url, _ = site
    visit(page, url + "/images", "images")
    page.wait_for_function(
        "[...document.querySelectorAll('figure img')].every(i => i.complete && i.naturalWidth == 8)"
    )
    assert page.locator("figure img").count() == 2
    assert page.locator("figcaption").first.inner_text() == f"red 2 {INJECTED}"
    page.locator(".step-slider").fill("0")
    assert page.locator(".step-label").inner_text() == "step 0"
    assert page.locator("figcaption").first.inner_text() == f"red 0 {INJECTED}"
    not_injected(page)


def test_distributions_and_texts(page, site):
    url, _ = site
    visit(page, url + "/distributions", "distributions")
    assert page.evaluate("document.querySelector('.chart').data[0].z.length") == 3
    visit(page, url + "/texts?q=" + 'texts.name == "outputs"', "texts")
    assert page.locator("table.texts pre").first.inner_text() == f"generated 0 {INJECTED}"
    not_injected(page)


def test_figures_render_as_plotly_figures_per_step(page, site):
    url, hashes = site
    visit(page, url + "/figures", "figures")
    assert page.locator(".sequence").count() == 1
    assert page.locator(".step-label").inner_text() == f"step {FIGURE_STEPS - 1}"  # the newest step first
    last = FIGURE_STEPS - 1
    assert page.evaluate(f"{FIGURE}.data[0].y") == [last, last + 1, last + 4]
    assert page.locator(".chart.figure svg.main-svg .scatterlayer .trace path.js-line").count() == 1
    assert page.locator(".chart.figure .gtitle").text_content() == f"curve at step {last}"
    page.locator(".step-slider").fill("0")
    page.wait_for_function(f"{FIGURE}.data[0].y[0] === 0")
    assert page.locator(".chart.figure .gtitle").text_content() == "curve at step 0"
    assert page.evaluate(PLOTLY_FETCHES) == 1


def test_run_page_shows_log_records_terminal_logs_and_objects(page, site):
    url, hashes = site
    visit(page, f"{url}/runs/{hashes['objects']}/messages", "run-messages")
    rows = page.locator("table.log-records tbody tr")
    rows.nth(2).wait_for()
    assert rows.locator("td.level").all_inner_texts() == ["INFO", "WARNING", "ERROR"]
    assert rows.first.locator("pre").inner_text() == f"started {INJECTED}"  # as text, not markup
    assert rows.first.locator("td").last.inner_text() == '{"lr":0.1}'
    page.click(".tabs >> text=Logs")
    rendered(page, "run-logs")
    logs = page.locator("pre.logs#terminal-logs")
    assert logs.inner_text().splitlines() == [f"epoch {step} done {INJECTED}" for step in range(3)]
    page.click(".tabs >> text=Audios")
    page.locator("#tab audio").nth(2).wait_for(state="attached")
    sources = page.locator("#tab audio").evaluate_all("a => a.map(x => x.src)")
    assert all("format=wav" in src for src in sources)
    not_injected(page)
    page.click(".tabs >> text=Figures")
    page.click('.sequence[data-name="curve"] >> text=open in the figures explorer')  # the run's figures
    page.wait_for_url("**/figures?q=*")
    rendered(page, "figures")
    assert page.evaluate(f"{FIGURE}.data[0].y.length") == 3


def test_archive_from_the_table(page, site):  # last: it archives the objects run
    url, hashes = site
    visit(page, url + "/runs", "runs")
    page.check(f'tr[data-hash="{hashes["objects"]}"] input.select')
    page.click("text=Archive")
    page.wait_for_function("document.querySelectorAll('table.runs tbody tr').length == 3")
    page.check("#show-archived")
    page.wait_for_function("document.querySelectorAll('table.runs tbody tr').length == 4")
    assert "archived" in page.locator(f'tr[data-hash="{hashes["objects"]}"]').inner_text()
