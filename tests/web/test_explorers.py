"""The chart explorers in headless Chromium: what leaves the machine (nothing), the address as
the metrics explorer's state, grouping, and the bands the daemon computes."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import numpy as np
import pytest

from tests.helpers import release_repo
from tests.web.explorer_data import LRS, SEEDS, SPIKE, SPIKE_STEP, fill, loss
from tests.web.helpers import entered, rendered, rerendered, serve, served, stop, visit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, dict[str, list[str]]]]:
    repo = tmp_path_factory.mktemp("explorers") / "repo"
    repo.mkdir()
    hashes = fill(repo)
    with served(repo) as url:
        yield url, hashes
    release_repo(repo)


OFF_MACHINE = """() => {
    const offsite = [...document.querySelectorAll('a[href], form[action], [src]')]
        .map(e => e.href || e.action || e.src)
        .filter(u => u && !u.startsWith(location.origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
    const buttons = [...document.querySelectorAll('.modebar-btn')]
        .map(b => b.dataset.title + '|' + b.dataset.attr);
    return { offsite, buttons };
}"""


@pytest.mark.parametrize("path", ["/metrics", "/distributions", "/figures", "/runs/{hash}/metrics"])
def test_no_element_offers_to_send_data_off_the_machine(page, site, path):  # noqa: F811
    url, hashes = site
    what = "run-metrics" if "runs" in path else path.strip("/")
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


def traces(tab) -> list[dict]:
    """Per chart: its title and its traces' names, colours, dashes and y values (once drawn)."""
    tab.wait_for_function("[...document.querySelectorAll('.charts')].every(c => c.dataset.drawn == 'all')")
    return tab.evaluate(
        "[...document.querySelectorAll('.chart')].map(d => ({title: d.layout.title.text, traces: d.data.map("
        "t => ({name: t.name, color: t.line.color, dash: t.line.dash, y: t.y, meta: t.meta}))}))"
    )


def test_grouping_by_colour_stroke_and_chart_with_a_key(page, site):  # noqa: F811
    url, _ = site
    query = "q=" + quote('metric.name == "loss"')
    visit(page, f"{url}/metrics?{query}&color=run.hparams.lr&stroke=metric.context.subset&chart=", "metrics")
    charts = traces(page)
    assert len(charts) == 1 and len(charts[0]["traces"]) == 13  # 6 runs x 2 contexts, and the bare run
    colours = {t["color"] for t in charts[0]["traces"]}
    assert len(colours) == 3  # lr 0.1, lr 0.01 and the run without params: "none"
    assert len({t["dash"] for t in charts[0]["traces"]}) == 2  # train, val
    key = page.locator(".group-key").inner_text()
    assert "lr=0.1" in key and "lr=0.01" in key and "lr=none" in key and "subset=val" in key
    assert page.locator(".chart .legendtext").count() == 0
    rerendered(
        page,
        "metrics",
        lambda: entered(page, "#chart-by", "metric.context.subset"),
    )
    assert sorted(c["title"] for c in traces(page)) == ["subset=train", "subset=val"]
    rerendered(
        page,
        "metrics",
        lambda: entered(page, "#chart-by", "run.hparams.opt.name, metric.context.subset"),
    )
    titles = {c["title"] for c in traces(page)}
    assert "name=adam, subset=train" in titles and "name=none, subset=train" in titles


def test_the_address_is_the_view(page, site):  # noqa: F811
    url, _ = site
    view = "color=run.hparams.lr&ylog=1&smooth=0.5&sm=cma&x=epoch"
    visit(page, f"{url}/metrics?{view}", "metrics")  # hand-written fields, before any option exists
    assert page.input_value("#color-by") == "run.hparams.lr"
    assert page.is_checked("#log-scale") and page.input_value("#x-axis") == "epoch"
    assert page.input_value("#smoothing-kind") == "cma"
    assert "centred moving average over 27 points" in page.locator(".smoothing-label").inner_text()
    assert page.evaluate("document.querySelector('.chart').layout.yaxis.type") == "log"
    rerendered(page, "metrics", lambda: page.select_option("#band", "minmax"))
    assert "band=minmax" in page.url and "color=run.hparams.lr" in page.url
    rerendered(
        page,
        "metrics",
        lambda: (page.fill("input[name=q]", 'metric.name == "acc"'), page.press("input[name=q]", "Enter")),
    )
    assert len(traces(page)[0]["traces"]) == 6
    rerendered(page, "metrics", lambda: page.go_back())  # Back: the view before the search
    assert page.input_value("input[name=q]") == "" and len(traces(page)) == 2  # loss, acc
    rerendered(page, "metrics", lambda: page.go_forward())
    assert page.input_value("input[name=q]") == 'metric.name == "acc"'
    # hide a line from the table: the address keeps it hidden through a reload
    rerendered(page, "metrics", lambda: page.locator("table.lines input.show-line").first.uncheck())
    assert len(traces(page)[0]["traces"]) == 5 and "hide=" in page.url
    rerendered(page, "metrics", lambda: page.reload())
    assert len(traces(page)[0]["traces"]) == 5
    assert page.input_value("#band") == "minmax" and page.input_value("#color-by") == "run.hparams.lr"


@pytest.mark.parametrize("band", ["std", "minmax", "ci95"])
def test_the_band_drawn_equals_numpys_over_the_same_data(page, site, band):  # noqa: F811
    url, _ = site
    query = quote('metric.name == "loss" and metric.context.subset == "train"')
    visit(page, f"{url}/metrics?q={query}&color=run.hparams.lr&chart=&agg=mean&band={band}", "metrics")
    assert "common steps" in page.locator(".align-note").inner_text()
    chart = traces(page)[0]["traces"]
    for lr in LRS:
        matrix = np.stack([loss(lr, seed) for seed in range(SEEDS)])
        mean = matrix.mean(0)
        width = {"std": matrix.std(0), "ci95": 1.959963984540054 * matrix.std(0, ddof=1) / np.sqrt(SEEDS)}
        low, high = (
            (matrix.min(0), matrix.max(0)) if band == "minmax" else (mean - width[band], mean + width[band])
        )
        colour = next(t["color"] for t in chart if t["name"] == f"lr={lr}")
        line = next(t for t in chart if t["name"] == f"lr={lr}")
        bands = [t for t in chart if t["color"] == colour and t["name"].startswith("band")]
        np.testing.assert_allclose(line["y"], mean)
        np.testing.assert_allclose(bands[0]["y"], high)
        np.testing.assert_allclose(bands[1]["y"], low)
    rerendered(page, "metrics", lambda: page.check("#members"))
    assert len(traces(page)[0]["traces"]) == 3 * 3 + 7  # a line and a band per group, and the curves
    assert "members=1" in page.url


def test_a_query_ending_too_early_has_its_caret_at_the_end_and_clears_the_charts(page, site):  # noqa: F811
    url, _ = site
    visit(page, url + "/metrics", "metrics")
    assert page.locator(".chart").count() == 2
    page.fill("input[name=q]", "run.hparams.lr >")
    page.press("input[name=q]", "Enter")
    page.wait_for_function("document.querySelector('.query-error').textContent.length > 0")
    text = page.locator(".query-error").inner_text()
    assert "line 1, column 17" in text
    assert text.splitlines()[-1] == " " * 2 + " " * 16 + "^"  # under the end of the query
    assert page.locator(".chart").count() == 0  # the old results are gone


COLS = quote('["p:hparams.lr", "p:hparams.seed", "m:last:loss {\\"subset\\": \\"train\\"}"]')


def table_hashes(tab) -> set[str]:
    return set(
        tab.locator("table.explorer-runs tbody tr").evaluate_all("rows => rows.map(r => r.dataset.hash)")
    )


def test_params_explorer_brush_filters_the_table_and_stays_in_the_address(page, site):  # noqa: F811
    url, hashes = site
    visit(page, f"{url}/params?cols={COLS}", "params")
    assert page.evaluate("document.querySelector('.parcoords').data[0].dimensions.length") == 3
    assert table_hashes(page) == {h for k in ("0.1", "0.01", "none") for h in hashes[k]}
    # a brush on the lr axis (plotly emits plotly_restyle with the axis' constraint range)
    brush = "{'dimensions[0].constraintrange': [[0.005, 0.02]]}"
    page.evaluate(f"Plotly.restyle(document.querySelector('.parcoords'), {brush})")
    page.wait_for_function("document.querySelectorAll('table.explorer-runs tbody tr').length == 3")
    assert table_hashes(page) == set(hashes["0.01"])
    assert "sel=" in page.url
    rerendered(page, "params", lambda: page.reload())  # the brushed range comes back with the address
    assert table_hashes(page) == set(hashes["0.01"])
    brushed = page.evaluate(
        "document.querySelector('.parcoords').data[0].dimensions[0].constraintrange.flat()"
    )
    assert brushed == [0.005, 0.02]
    assert "3 of 7 run(s) in the brushed ranges" in page.locator(".note").inner_text()


def test_scatters_explorer_one_point_per_run_with_a_trend(page, site):  # noqa: F811
    url, hashes = site
    y = quote('m:last:loss {"subset": "train"}')
    visit(page, f"{url}/scatters?x=p:hparams.seed&y={y}&color=p:hparams.lr&trend=1", "scatters")
    data = page.evaluate(
        "document.querySelector('.chart.scatter').data.map(t => [t.name, t.x.length, t.mode])"
    )
    assert sorted(data) == [
        ["hparams.lr=0.01", 3, "markers"],
        ["hparams.lr=0.1", 3, "markers"],
        [data[-1][0], 2, "lines"],
    ]
    assert data[-1][0].startswith("trend")
    assert page.input_value("#colour-by") == "p:hparams.lr" and page.is_checked("#trend")
    page.click(".chart.scatter .scatterlayer .trace .point >> nth=0", force=True)
    page.wait_for_url("**/runs/*")
    assert page.url.rsplit("/", 1)[-1] in hashes["0.1"] + hashes["0.01"]


def test_images_range_of_steps_size_grouping_and_enlarge(page, tmp_path):  # noqa: F811
    import numpy as np

    from aim import Image, Run

    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("a", "b"):
        with Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False) as run:
            run.name = f"run-{name}"
            for step in range(4):
                run.track(
                    Image(np.full((4, 4, 3), 60 * step, np.uint8), caption=f"{name}{step}"),
                    name="pics",
                    step=step,
                )
    proc, url = serve(repo)
    try:
        visit(page, f"{url}/images?steps=3&size=64&group=name", "images")
        assert page.locator("section.image-group > h2").all_inner_texts() == ["name: pics"]
        assert page.locator("figure img").count() == 6  # steps 1..3 of both runs
        assert page.locator("figcaption").all_inner_texts()[:3] == ["a1", "a2", "a3"] or page.locator(
            "figcaption"
        ).all_inner_texts()[:3] == ["b1", "b2", "b3"]
        assert page.evaluate("document.querySelector('figure img').width") == 64
        page.locator("figure img").first.click()
        assert page.locator("dialog.enlarged").is_visible()
        assert page.locator(".enlarged-caption").inner_text().startswith("step 1 · ")
        page.click("dialog.enlarged button")
        rerendered(page, "images", lambda: page.select_option("#image-group", "run"))
        assert page.locator("section.image-group").count() == 2 and "group=run" in page.url
        rerendered(page, "images", lambda: page.reload())
        assert page.input_value("#image-group") == "run" and page.input_value("#image-size") == "64"
    finally:
        stop(proc)
        release_repo(repo)


def test_x_by_another_metric_ranges_and_outliers(page, site):  # noqa: F811
    url, _ = site
    query = quote('metric.name == "loss" and metric.context.subset == "val"')
    visit(page, f"{url}/metrics?q={query}&x=metric:acc&chart=&yrange=0.5,1.5", "metrics")
    assert page.input_value("#x-axis") == "metric:acc"
    xs = page.evaluate("document.querySelector('.chart').data.map(t => t.x[0])")
    assert sorted(xs) == pytest.approx([0.9] * 3 + [0.99] * 3)  # acc (1 - lr) at step 0 of the same run
    chart = page.evaluate("document.querySelector('.chart').layout")
    assert chart["yaxis"]["range"] == [0.5, 1.5] and "acc" in chart["xaxis"]["title"]["text"]
    query = quote('metric.name == "loss" and metric.context.subset == "train"')
    visit(page, f"{url}/metrics?q={query}&chart=&outliers=1", "metrics")
    top = page.evaluate("Math.max(...document.querySelector('.chart').data.flatMap(t => t.y))")
    low, high = page.evaluate("document.querySelector('.chart').layout.yaxis.range")
    assert page.is_checked("#outliers") and top == 50.0 and high < 2


def test_texts_find_and_the_audio_page(page, tmp_path):  # noqa: F811
    import numpy as np

    from aim import Audio, Run, Text

    repo = tmp_path / "repo"
    repo.mkdir()
    with Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False) as run:
        for step in range(4):
            run.track(Text(f"epoch {step}: {'diverged' if step == 2 else 'fine'}"), name="notes", step=step)
            run.track(
                Audio(np.sin(np.arange(400) / (step + 1.0)), rate=8000, caption=f"tone {step}"),
                name="tones",
                step=step,
            )
    proc, url = serve(repo)
    try:
        visit(page, f"{url}/texts?find=DIVERGED", "texts")
        assert page.locator("table.texts tr:not([hidden]) pre").all_inner_texts() == ["epoch 2: diverged"]
        assert page.locator(".find-note").inner_text() == '1 step(s) hold "diverged"'
        page.fill("#text-find", "")
        assert page.locator("table.texts tr:not([hidden])").count() == 4 and "find=" not in page.url
        visit(page, f"{url}/audios", "audios")
        assert page.locator("main audio").count() == 4
        assert "tone 3" in page.locator("main").inner_text()
        srcs = page.locator("main audio").evaluate_all("a => a.map(x => x.src)")
        assert all("format=wav" in src for src in srcs)
    finally:
        stop(proc)
        release_repo(repo)


def table_rows(tab) -> list[dict]:
    """The lines table's rows as shown: key, whether a member row, and the cells' texts."""
    return tab.locator("table.lines tbody tr").evaluate_all(
        "rows => rows.map(r => ({key: r.dataset.key, member: r.classList.contains('member-row'),"
        " cells: [...r.cells].slice(1).map(c => c.innerText)}))"
    )


def downloaded_csv(tab, button: str) -> list[dict[str, str]]:
    """Click a CSV button like a user; the file it downloads, as dicts by header."""
    import csv

    with tab.expect_download() as info:
        tab.click(button)
    with open(info.value.path(), newline="") as f:
        return list(csv.DictReader(f))


def test_lines_table_groups_expand_choose_columns_hide_and_export(page, site):  # noqa: F811
    url, hashes = site
    query = quote('metric.name == "loss" and metric.context.subset == "train"')
    visit(page, f"{url}/metrics?q={query}&color=run.hparams.lr&chart=&agg=mean&band=minmax", "metrics")
    rows = table_rows(page)
    assert sorted(r["key"] for r in rows) == ["lr=0.01", "lr=0.1", "lr=none"]  # the bare run: a "none" group
    headers = page.locator("table.lines thead th").all_inner_texts()
    assert headers[:4] == ["show", "group", "curves", "runs"]
    # a group's toggle lists its runs under it (no curve was fetched: runs), and hides them again
    rerendered(page, "metrics", lambda: page.click("tr[data-key='lr=0.1'] button.expand"))
    members = [r for r in table_rows(page) if r["member"]]
    assert sorted(r["key"] for r in members) == sorted(hashes["0.1"])
    assert sorted(r["cells"][0] for r in members) == ["lr0.1-s0", "lr0.1-s1", "lr0.1-s2"]
    rerendered(page, "metrics", lambda: page.click("tr[data-key='lr=0.1'] button.expand"))
    assert not any(r["member"] for r in table_rows(page))
    # with the member curves fetched, a group lists its curves
    rerendered(page, "metrics", lambda: page.check("#members"))
    rerendered(page, "metrics", lambda: page.click("tr[data-key='lr=0.01'] button.expand"))
    members = [r for r in table_rows(page) if r["member"]]
    assert len(members) == 3 and all(r["key"].endswith('/loss/{"subset":"train"}') for r in members)
    # chosen columns: a param (common to the group, or "mixed") in, common steps out
    page.click("#table-columns summary")
    rerendered(page, "metrics", lambda: page.check("#table-columns input[value='p:hparams.lr']"))
    rerendered(page, "metrics", lambda: page.check("#table-columns input[value='p:hparams.opt.name']"))
    rerendered(page, "metrics", lambda: page.uncheck("#table-columns input[value='steps']"))
    headers = page.locator("table.lines thead th").all_inner_texts()
    assert "hparams.lr" in headers and "hparams.opt.name" in headers and "common steps" not in headers
    group = next(r for r in table_rows(page) if r["key"] == "lr=0.1")
    cells = dict(zip(headers[1:], group["cells"], strict=True))
    assert cells["hparams.lr"] == "0.1" and cells["hparams.opt.name"] == "mixed" and cells["runs"] == "3"
    # hide a group from the table: its line and band go; the address keeps it and the columns
    rerendered(page, "metrics", lambda: page.uncheck("tr[data-key='lr=0.01'] input.show-line"))
    assert "cols=" in page.url and "hide=" in page.url
    names = {t["name"] for t in traces(page)[0]["traces"]}
    assert "lr=0.1" in names and "lr=0.01" not in names
    rerendered(page, "metrics", lambda: page.reload())
    assert page.locator("table.lines thead th").all_inner_texts() == headers
    assert not page.is_checked("tr[data-key='lr=0.01'] input.show-line")
    assert "lr=0.01" not in {t["name"] for t in traces(page)[0]["traces"]}
    # the table and the points shown, as CSV files
    table = downloaded_csv(page, "#table-csv")
    table = {r["group"]: r for r in table}
    assert sorted(table) == ["lr=0.01", "lr=0.1", "lr=none"]
    assert float(table["lr=0.1"]["last"]) == pytest.approx(np.mean([loss(0.1, s)[-1] for s in range(SEEDS)]))
    assert table["lr=0.1"]["hparams.lr"] == "0.1" and table["lr=none"]["hparams.lr"] == ""
    points = downloaded_csv(page, "#points-csv")
    mean = [float(p["y"]) for p in points if p["line"] == "lr=0.1 (mean)"]
    np.testing.assert_allclose(mean, np.stack([loss(0.1, s) for s in range(SEEDS)]).mean(0))
    assert not any(p["line"].startswith("lr=0.01") for p in points)  # hidden: not shown, not exported
    curves = [p for p in points if p["run"] in hashes["0.1"]]
    assert len(curves) == 3 * len(mean)  # the member curves drawn, each point with its run


def test_lines_table_per_curve_with_chosen_columns(page, site):  # noqa: F811
    url, hashes = site
    query = quote('metric.name == "loss" and metric.context.subset == "train"')
    cols = quote('["p:hparams.seed", "last", "max"]')
    visit(page, f"{url}/metrics?q={query}&chart=&cols={cols}", "metrics")
    headers = page.locator("table.lines thead th").all_inner_texts()
    assert headers == ["show", "run", "metric", "context", "group", "hparams.seed", "last", "max"]
    table = downloaded_csv(page, "#table-csv")
    assert len(table) == 7
    by_hash = {r["run hash"]: r for r in table}
    for lr in LRS:
        for seed, run_hash in enumerate(hashes[str(lr)]):
            row = by_hash[run_hash]
            assert row["hparams.seed"] == str(seed)
            assert float(row["last"]) == pytest.approx(loss(lr, seed)[-1])
            assert float(row["max"]) == pytest.approx(loss(lr, seed).max())


def test_member_curves_of_a_large_group_are_a_sample_with_a_note(page, site):  # noqa: F811
    url, _ = site
    query = quote('metric.name == "loss" and metric.context.subset == "train"')
    # sample=2 stands in for a group of thousands: two member curves of each group of three are drawn
    view = "color=run.hparams.lr&chart=&agg=mean&band=minmax&members=1&sample=2"
    visit(page, f"{url}/metrics?q={query}&{view}", "metrics")
    chart = traces(page)[0]["traces"]
    assert len([t for t in chart if t["meta"] is None and not t["name"].startswith("band")]) == 2 + 2 + 1
    assert len([t for t in chart if t["meta"] == "line"]) == 3  # the line of every group still drawn
    note = page.locator(".sample-note").inner_text()
    assert "lr=0.1: 2 of 3" in note and "lr=0.01: 2 of 3" in note and "lr=none" not in note


def test_curves_with_different_steps_are_reduced_at_their_common_steps(page, site):  # noqa: F811
    url, _ = site
    # train losses have 40 steps, val losses every 5th: a group of both is reduced at the 8 common steps
    query = quote('metric.name == "loss"')
    visit(page, f"{url}/metrics?q={query}&color=run.hparams.lr&chart=&agg=mean", "metrics")
    assert "common steps" in page.locator(".align-note").inner_text()
    line = page.evaluate(
        "document.querySelector('.chart').data.filter(t => t.name == 'lr=0.1').map(t => [t.x, t.y])[0]"
    )
    steps = list(range(0, 40, 5))
    assert line[0] == steps
    matrix = np.stack(
        [loss(0.1, s)[steps] for s in range(SEEDS)] + [loss(0.1, s)[steps] + 0.1 for s in range(SEEDS)]
    )
    np.testing.assert_allclose(line[1], matrix.mean(0))
    group = next(r for r in table_rows(page) if r["key"] == "lr=0.1")
    headers = page.locator("table.lines thead th").all_inner_texts()
    assert dict(zip(headers[1:], group["cells"], strict=True))["common steps"] == "8"


def test_params_explorer_brush_by_mouse(page, site):  # noqa: F811
    url, hashes = site
    visit(page, f"{url}/params?cols={COLS}", "params")
    # the lr axis runs from 0.01 (its bottom) to 0.1 (its top): drag over its lowest fifth
    box = page.locator(".parcoords .axis-brush rect.background").first.bounding_box()
    x, bottom, height = box["x"] + box["width"] / 2, box["y"] + box["height"], box["height"]
    page.mouse.move(x, bottom - 2)
    page.mouse.down()
    page.mouse.move(x, bottom - height * 0.1, steps=4)
    page.mouse.move(x, bottom - height * 0.2, steps=4)
    page.mouse.up()
    page.wait_for_function("document.querySelectorAll('table.explorer-runs tbody tr').length == 3")
    assert table_hashes(page) == set(hashes["0.01"])
    assert "sel=" in page.url
    low, high = page.evaluate("document.querySelector('.parcoords').data[0].dimensions[0].constraintrange")
    assert low <= 0.01 < high < 0.1
    rerendered(page, "params", lambda: page.reload())  # the brushed range comes back with the address
    assert table_hashes(page) == set(hashes["0.01"])
    assert "3 of 7 run(s) in the brushed ranges" in page.locator(".note").inner_text()
    # a click on the axis outside the brush clears it: every run again, the address without it
    box = page.locator(".parcoords .axis-brush rect.background").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.3)
    page.wait_for_function("document.querySelectorAll('table.explorer-runs tbody tr').length == 7")
    assert "sel=" not in page.url


def test_a_bookmarks_address_opens_its_view_and_says_so_once_it_is_deleted(page, site):  # noqa: F811
    url, _ = site
    view = "metrics?color=run.hparams.lr&agg=mean&band=std"
    visit(page, f"{url}/{view}", "metrics")
    page.click("#bookmark-view")
    page.fill("#bookmark-name", "lr bands")
    page.click("#save-bookmark")
    rerendered(page, "metrics", lambda: page.click(".bookmark-message a"))  # bookmarks/<name>: its view
    assert page.url == f"{url}/{view}" and page.input_value("#band") == "std"
    visit(page, f"{url}/bookmarks", "bookmarks")
    page.click("tr[data-name='lr bands'] button.delete")  # the page's confirm() is accepted
    page.wait_for_selector("tr[data-name='lr bands']", state="detached")
    response = page.goto(f"{url}/bookmarks/{quote('lr bands')}")
    assert response.status == 404
    rendered(page, "bookmark")
    assert 'No bookmark is named "lr bands": it may have been deleted' in page.locator("main").inner_text()
    page.click(".not-found >> text=All bookmarks")
    rendered(page, "bookmarks")


@pytest.mark.parametrize("path", ["params", "scatters"])
def test_a_malformed_query_clears_the_explorers_results_and_points_at_the_end(page, site, path):  # noqa: F811
    url, _ = site
    visit(page, f"{url}/{path}", path)
    assert page.locator(".main-svg").count() > 0
    page.fill("input[name=q]", "run.hparams.lr >")
    page.press("input[name=q]", "Enter")
    page.wait_for_function("document.querySelector('.query-error').textContent.length > 0")
    text = page.locator(".query-error").inner_text()
    assert "line 1, column 17" in text and text.splitlines()[-1] == " " * 18 + "^"
    assert page.locator(".main-svg").count() == 0 and page.locator("table.explorer-runs").count() == 0
    assert page.locator(".note").inner_text() == ""


def test_a_group_of_many_curves_draws_its_band_and_a_sample_of_its_members(page, tmp_path):  # noqa: F811
    from aim import Run

    repo = tmp_path / "repo"
    repo.mkdir()
    curves = 1200  # more than one chart request returns (1,000): the band covers them all regardless
    with Run(repo=str(repo), system_tracking_interval=None, capture_terminal_logs=False) as run:
        for step in range(3):
            for i in range(curves):
                run.track(float(i + step), name="loss", step=step, context={"worker": i})
    proc, url = serve(repo)
    try:
        visit(page, f"{url}/metrics?color=&chart=metric.name&agg=mean&band=minmax&members=1", "metrics")
        chart = traces(page)[0]["traces"]
        line = next(t for t in chart if t["meta"] == "line")
        assert line["y"] == pytest.approx([(curves - 1) / 2 + step for step in range(3)])
        band = [t for t in chart if t["name"].startswith("band")]
        assert band[0]["y"] == [curves - 1, curves, curves + 1] and band[1]["y"] == [0, 1, 2]
        assert len(chart) == 3 + 100  # line, band, and a sample of 100 member curves
        assert "name=loss: 100 of 1200" in page.locator(".sample-note").inner_text()
        group = table_rows(page)[0]
        assert group["cells"][1] == "1200"  # the group's curves, all of them
    finally:
        stop(proc)
        release_repo(repo)


def _centred_mean(values: np.ndarray, half: int) -> np.ndarray:
    return np.array([values[max(0, i - half) : i + half + 1].mean() for i in range(len(values))])


def test_smoothing_moves_the_band_with_its_line(page, site):  # noqa: F811
    url, _ = site
    query = quote('metric.name == "loss" and metric.context.subset == "train"')
    view = "color=run.hparams.lr&chart=&agg=mean&band=minmax&smooth=0.2&sm=cma"  # a window of 11 steps
    visit(page, f"{url}/metrics?q={query}&{view}", "metrics")
    chart = traces(page)[0]["traces"]
    lr = LRS[0]
    matrix = np.stack([loss(lr, seed) for seed in range(SEEDS)])
    line = next(t for t in chart if t["name"] == f"lr={lr}")
    high, low = [t for t in chart if t["color"] == line["color"] and t["name"].startswith("band")]
    np.testing.assert_allclose(line["y"], _centred_mean(matrix.mean(0), 5))
    np.testing.assert_allclose(high["y"], _centred_mean(matrix.max(0), 5))
    np.testing.assert_allclose(low["y"], _centred_mean(matrix.min(0), 5))


@pytest.mark.parametrize("view", ["", "&agg=mean&band=std"])
def test_a_query_that_matches_nothing_says_how_to_widen_it(page, site, view):  # noqa: F811
    url, _ = site
    query = quote('metric.name == "no such metric"')
    visit(page, f"{url}/metrics?q={query}{view}", "metrics")
    assert "No metric matches this query" in page.locator(".note").first.inner_text()


def test_the_tooltip_shows_the_chosen_fields_and_stays_in_the_address(page, site):  # noqa: F811
    url, _ = site
    query = quote('metric.name == "loss" and metric.context.subset == "train"')
    visit(page, f"{url}/metrics?q={query}&color=run.hparams.lr&chart=", "metrics")
    rerendered(
        page,
        "metrics",
        lambda: entered(page, "#tooltip-fields", "run.hparams.lr, run.hparams.opt.name"),
    )
    assert "tip=run.hparams.lr%2Crun.hparams.opt.name" in page.url
    texts = page.evaluate(
        "[...document.querySelectorAll('.chart')]"
        ".flatMap(d => d.data.map(t => [t.name, t.text, t.hovertemplate]))"
    )
    assert texts and all("%{text}" in template for _, _, template in texts)
    tips = {text for _, text, _ in texts}
    assert f"<br>run.hparams.lr={LRS[0]}<br>run.hparams.opt.name=adam" in tips
    assert f"<br>run.hparams.lr={LRS[0]}<br>run.hparams.opt.name=sgd" in tips
    rerendered(page, "metrics", lambda: page.reload())
    assert page.input_value("#tooltip-fields") == "run.hparams.lr,run.hparams.opt.name"


HIGHLIGHT = """() => {
    const drawn = [...document.querySelectorAll('.hover-highlight path')];
    const curves = [...document.querySelectorAll('.chart .scatterlayer .js-line')];
    return drawn.map((p) => ({
        width: p.style.strokeWidth,
        copies: curves
            .filter((c) => c.getAttribute('d') === p.getAttribute('d') && c.style.stroke === p.style.stroke)
            .map((c) => c.closest('.trace').__data__[0].trace.name),
    }));
}"""


def test_the_hovered_curve_is_drawn_thicker_until_the_mouse_leaves(page, site):  # noqa: F811
    url, _ = site
    query = quote('run.name == "lr0.1-s1" and metric.name == "loss"')  # train (with the spike), val
    visit(page, f"{url}/metrics?q={query}", "metrics")
    traces(page)
    x, y = page.evaluate(  # the spike on the screen
        f"""(() => {{
        const d = document.querySelector('.chart');
        const box = d.querySelector('.nsewdrag').getBoundingClientRect();
        return [box.left + d._fullLayout.xaxis.l2p({SPIKE_STEP}), box.top + d._fullLayout.yaxis.l2p({SPIKE})];
    }})()"""
    )
    page.mouse.move(x, y)
    page.wait_for_function(f"({HIGHLIGHT})().length === 1")
    [drawn] = page.evaluate(HIGHLIGHT)
    assert drawn["width"] == "3.5px"  # the curve's 1.5 px and 2
    assert len(drawn["copies"]) == 1 and "train" in drawn["copies"][0]
    assert "train" in page.locator(".hoverlayer .hovertext").text_content()
    # the curves themselves are as they were: no restyle
    assert page.evaluate("document.querySelector('.chart').data.map((t) => t.line.width)") == [1.5, 1.5]
    page.mouse.move(5, 5)  # off the chart
    page.wait_for_function(f"({HIGHLIGHT})().length === 0")
