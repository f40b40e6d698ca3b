"""The chart explorers in headless Chromium: what leaves the machine (nothing), the address as
the metrics explorer's state, grouping, and the bands the daemon computes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from explorer_data import fill
from test_browser import browser, page  # noqa: F401 (fixtures)

from browser import serve, stop, visit
from helpers import release_repo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, dict[str, list[str]]]]:
    repo = tmp_path_factory.mktemp("explorers") / "repo"
    repo.mkdir()
    hashes = fill(repo)
    proc, url = serve(repo)
    yield url, hashes
    stop(proc)
    release_repo(repo)


def rendered(tab, what: str) -> None:
    tab.wait_for_selector(f"body[data-rendered={what}]")


def rerendered(tab, what: str, action) -> None:
    """Do action, then wait until the page says it rendered again."""
    tab.evaluate("document.body.dataset.rendered = ''")
    action()
    rendered(tab, what)


OFF_MACHINE = """() => {
    const offsite = [...document.querySelectorAll('a[href], form[action], [src]')]
        .map(e => e.href || e.action || e.src)
        .filter(u => u && !u.startsWith(location.origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
    const buttons = [...document.querySelectorAll('.modebar-btn')]
        .map(b => b.dataset.title + '|' + b.dataset.attr);
    return { offsite, buttons };
}"""


@pytest.mark.parametrize("path", ["/metrics", "/distributions", "/figures", "/runs/{hash}"])
def test_no_element_offers_to_send_data_off_the_machine(page, site, path):  # noqa: F811
    url, hashes = site
    what = "run" if "runs" in path else path.strip("/")
    visit(page, url + path.format(hash=hashes["0.1"][0]), what)
    page.wait_for_function("[...document.querySelectorAll('.charts')].every(c => c.dataset.drawn == 'all')")
    found = page.evaluate(OFF_MACHINE)
    assert found["offsite"] == []
    buttons = " ".join(found["buttons"]).lower()
    if path == "/metrics":
        assert "download plot as a png" in buttons and "download plot as svg" in buttons and "zoom" in buttons
    for word in ("cloud", "chart studio", "share", "plotly.com", "edit in"):
        assert word not in buttons
    assert page.locator(".modebar a, a.modebar-btn[href]").count() == 0  # no plotly logo link
