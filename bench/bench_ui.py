"""UI benchmark: in headless Chromium, the time from navigation to a rendered runs table of
10,000 runs, and to a rendered chart of 50 metrics x 100,000 points (targets 1 s and 1.5 s).

    python bench/bench_ui.py [--runs 10000] [--metrics 50] [--points 100000] [--repeat 5]

The times are what the page itself records (performance.now() when the table or the last chart
is drawn: HTML, scripts, plotly.js, the queries, JSON and drawing), with a fresh browser context
each time, and for a returning user: a browser profile on disk, after two visits (V8 caches
plotly.js's compiled code from the third visit on; a fresh context, being incognito, never does).
The same API requests timed alone are printed beside them. The explorers' part: runs x 4
metrics x steps grouped by one param into 5 groups with mean and std-dev bands computed in the
daemon (--agg-runs, --agg-steps; --explorers-only runs just that part), and the main thread's
longest task while the mouse hovers 200 curves of it (target: none over 100 ms). The params
explorer over the --runs runs: navigation to drawn, first and again (target 1.5 s). Needs the ui extra,
playwright and /usr/bin/chromium (make test-browser installs them); skipped without them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import harness

from aim import Run

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the browser tests' helpers: chromium, aim up
from tests.web import helpers as browser  # noqa: E402

QUIET = {"system_tracking_interval": None, "capture_terminal_logs": False}  # no system metrics
TARGET_TABLE_S = 1.0
TARGET_CHART_S = 1.5
TARGET_AGAIN_S = 0.5  # the same explorer view opened again
TARGET_PARAMS_S = 1.5  # the params explorer over --runs runs drawn
TARGET_TASK_MS = 100  # no main-thread task longer while hovering a chart's curves
HOVER_RUNS = 50  # x 4 metrics: the curves of the hover figure
VIEWPORT = {"width": 1400, "height": 900}  # every page the bench opens
VIEW = "color=run.hparams.lr&chart=metric.name&agg=mean&band=std"  # the explorers' view
LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
QUIET_REPORT = 0  # aim.QueryReportMode.DISABLED
RUN_POINTS = 5  # points of each of the two metrics every run of the runs table tracks


def populate_runs(repo: Path, runs: int) -> None:
    def one(i: int) -> None:
        run = Run(repo=str(repo), experiment=f"exp{i % 10}", **QUIET)
        run["hparams"] = {"lr": 1e-4 * (1 + i % 7), "batch_size": 32 * (1 + i % 4), "optimizer": "adam"}
        for step in range(RUN_POINTS):  # metric columns for the params explorer (last, min, max)
            run.track(1 / (1 + step + i % 13), name="loss", step=step)
            run.track(step / RUN_POINTS - (i % 11) / 100, name="accuracy", step=step)
        run.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(runs)))


def populate_metrics(repo: Path, metrics: int, points: int) -> str:
    import numpy as np

    rng = np.random.default_rng(0)
    run = Run(repo=str(repo), experiment="long", **QUIET)
    for m in range(metrics):
        values = np.cumsum(rng.normal(size=points)).tolist()
        track, name = run.track, f"metric_{m:02d}"
        for step, value in enumerate(values):
            track(value, name=name, step=step)
    run.close()
    return run.hash


PLOTLY_LOADED = "(performance.getEntriesByName('plotly-loaded')[0] || {startTime: 0}).startTime"
# when a chart container says it has drawn every chart (charts off screen are drawn after the page
# says it is rendered), recorded in the page by an observer the bench adds
RECORD_ALL_DRAWN = """new MutationObserver((changes, observer) => {
    if (changes.some((c) => c.target.dataset.drawn === 'all')) {
        window.aimAllDrawnAt = performance.now();
        observer.disconnect();
    }
}).observe(document, {attributes: true, attributeFilter: ['data-drawn'], subtree: true});"""


def grid_time(chromium, url: str, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds from navigation to the charts on screen drawn and to every chart drawn, with an
    empty browser cache, for a page of many charts."""
    on_screen, every = [], []
    for _ in range(repeat):
        context = chromium.new_context(viewport=VIEWPORT)
        try:
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.add_init_script(RECORD_ALL_DRAWN)
            browser.visit(page, url, "metrics")
            page.wait_for_function("window.aimAllDrawnAt !== undefined")
            on_screen.append(page.evaluate("window.aimRenderedAt") / 1000)
            every.append(page.evaluate("window.aimAllDrawnAt") / 1000)
        finally:
            context.close()
    return on_screen, every


def populate_group_runs(repo: Path, first: int, count: int, steps: int) -> None:
    """Runs first .. first + count - 1 of populate_groups (in one process)."""
    import numpy as np

    for i in range(first, first + count):
        rng = np.random.default_rng(i)
        run = Run(repo=str(repo), experiment="sweep", **QUIET)
        run["hparams"] = {"lr": LRS[i % len(LRS)], "seed": i}
        for m in range(4):
            track, name = run.track, f"metric_{m}"
            for step, value in enumerate(np.cumsum(rng.normal(size=steps)).tolist()):
                track(value, name=name, step=step)
        run.close()


def populate_groups(repo: Path, runs: int, steps: int, processes: int) -> None:
    """runs x 4 metrics x steps, the runs' hparams.lr taking 5 values (5 groups), tracked through
    the SDK by processes processes at once."""
    import multiprocessing

    share = -(-runs // processes)
    context = multiprocessing.get_context("fork")  # nothing of aim is started in this process yet
    workers = [
        context.Process(target=populate_group_runs, args=(repo, first, min(share, runs - first), steps))
        for first in range(0, runs, share)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.exitcode:
            raise RuntimeError(f"a populating process exited with {worker.exitcode}")


def read_rate(repo: Path) -> tuple[float, int]:
    """Seconds for query_metrics('') to pull every point into numpy with a fresh daemon, and the
    points."""
    from aim import Repo

    harness.stop_daemon(repo)  # the next read starts a fresh one: nothing of the points cached
    list(Repo(str(repo)).query_runs("run.hash == ''", report_mode=QUIET_REPORT).iter_runs())  # started
    started = time.perf_counter()
    points = 0
    for metric in Repo(str(repo)).query_metrics("", report_mode=QUIET_REPORT):
        points += len(metric.values.sparse_numpy()[1])
    return time.perf_counter() - started, points


def first_drawn(context, url: str) -> float:
    """Seconds from navigation to the charts drawn, in a new page of context."""
    return page_time(context, url, "metrics")[0]


def view_times(chromium, url: str, repeat: int, drawn=first_drawn) -> dict[str, list[float]]:
    """Seconds to the first chart drawn, each round in a new browser context: the view on an idle
    daemon with an empty browser cache (first), the same view again (again: page assets cached,
    the reply kept in the daemon), and the view of a query not asked before (new: page assets
    cached, the daemon reads every point). Each round's queries are its own: every run matches."""
    times: dict[str, list[float]] = {"first": [], "again": [], "new": []}
    for k in range(repeat):
        context = chromium.new_context(viewport=VIEWPORT)
        try:
            for label, seed in (("first", 2 * k), ("again", 2 * k), ("new", 2 * k + 1)):
                query = urllib.parse.quote(f"run.hparams.seed >= -{seed}")
                times[label].append(drawn(context, f"{url}&q={query}" if drawn is first_drawn else url))
        finally:
            context.close()
    return times


def explorers(repo: Path, url: str, runs: int, steps: int, repeat: int) -> list[str]:
    """The grouped, aggregated metrics explorer in the browser (view_times), and the API request
    alone."""
    from playwright.sync_api import sync_playwright

    api_time(f"{url}/api/runs")  # the daemon started (it reads no point for this)
    with sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        times = view_times(chromium, f"{url}/metrics?{VIEW}", repeat)
        chromium.close()
    first, again, new = (statistics.median(times[label]) for label in ("first", "again", "new"))
    api = f"{url}/api/metrics/groups?group_by=run.hparams.lr,metric.name&line=mean&band=std&max_points=1000"
    first_api, size = api_time(api + "&q=run.hparams.seed+>%3D+-1000000")
    again_api = min(api_time(api + "&q=run.hparams.seed+>%3D+-1000000")[0] for _ in range(repeat))
    points = runs * 4 * steps
    return [
        f"{runs:,} runs x 4 metrics x {steps:,} steps ({points / 1e6:.1f} M points), grouped by"
        f" hparams.lr into 5 groups x 4 charts, mean line and std-dev band; median of {repeat}",
        f"  first chart drawn, idle daemon, empty browser cache {first * 1e3:>8.0f} ms   "
        f"(target <= {TARGET_CHART_S:g} s: {verdict(first, TARGET_CHART_S)})",
        f"  the same view again (reply kept in the daemon)      {again * 1e3:>8.0f} ms   "
        f"(target <= {TARGET_AGAIN_S:g} s: {verdict(again, TARGET_AGAIN_S)})",
        f"  a new query, page assets cached (every point read)  {new * 1e3:>8.0f} ms",
        f"  group statistics API, first request                 {first_api * 1e3:>8.0f} ms   "
        f"({points / first_api / 1e6:.1f} M points/s, {size / 1e6:.2f} MB of JSON)",
        f"  group statistics API, again                         {again_api * 1e3:>8.0f} ms   (best of"
        f" {repeat})",
    ]


def versus_aim(repos, prefix: Path, runs: int, steps: int, repeat: int, processes: int) -> list[str]:
    """The explorer's first chart drawn, ours and Aim 3.29.1's (its own `aim up`), on the same
    runs tracked by each one's SDK, timed as view_times does."""
    import aim_reference
    from playwright.sync_api import sync_playwright

    ours = repos.new("ui-vs-aim")
    populate_groups(ours, runs, steps, processes)
    theirs = repos.new("ui-aim")  # Aim's repository (no daemon of ours ever starts in it)
    started = time.perf_counter()
    aim_reference.populate(prefix, theirs, runs, steps, processes, LRS)
    print(f"populated Aim's repository in {time.perf_counter() - started:.1f} s", flush=True)
    harness.stop_daemon(ours)
    server, url = browser.serve(ours)
    try:
        api_time(f"{url}/api/runs")  # the daemon started
        with sync_playwright() as playwright:
            chromium = browser.launch(playwright)
            times = view_times(chromium, f"{url}/metrics?{VIEW}", repeat)
            chromium.close()
    finally:
        browser.stop(server)
    aim_server, aim_url = aim_reference.serve(prefix, theirs)
    try:
        with sync_playwright() as playwright:
            chromium = browser.launch(playwright)
            aim = view_times(chromium, aim_reference.view(aim_url), repeat, aim_reference.first_drawn)
            chromium.close()
    finally:
        aim_server.terminate()
        aim_server.wait(30)
    lines = [
        f"versus Aim 3.29.1's UI (its `aim up`), the same view on {runs:,} runs x 4 metrics x {steps:,} steps"
        f" ({runs * 4 * steps / 1e6:.1f} M points: Aim's tracking is too slow for more); median of {repeat}"
    ]
    for label, what in (("first", "empty browser cache"), ("again", "the same view again")):
        ours_s, aim_s = statistics.median(times[label]), statistics.median(aim[label])
        lines.append(
            f"  {what:<22} Aim {aim_s * 1e3:>6.0f} ms, ours {ours_s * 1e3:>6.0f} ms:"
            f" {aim_s / ours_s:.1f} x faster"
        )
    return lines


# the time Plotly.react takes, recorded by the page (performance marks around each call)
TIME_PLOTLY_REACT = """(() => {
    let plotly;
    Object.defineProperty(window, 'Plotly', {configurable: true, get: () => plotly, set(value) {
        plotly = value;
        const react = value.react;
        value.react = async function (...args) {
            performance.mark('react-start');
            try { return await react.apply(this, args); } finally { performance.mark('react-end'); }
        };
    }});
})();"""
PARAMS_PARTS = """() => {
    const at = (name) => (performance.getEntriesByName(name)[0] || {startTime: 0}).startTime;
    const replies = Math.max(at('reply /api/runs'), at('reply /api/runs_metrics'));
    return [replies, at('react-end') - at('react-start')];
}"""


def params_times(chromium, url: str, repeat: int) -> dict[str, list]:
    """Seconds from navigation to the params explorer drawn (parallel coordinates and the runs
    table below), each round in a new browser context: with an empty browser cache and a query
    the daemon was not asked before (first), and the same view again in the same context
    (again); and of those, when both API replies were in and how long Plotly.react drew the
    chart. Every run matches each round's query."""
    times: dict[str, list] = {"first": [], "again": [], "parts": []}
    for k in range(repeat):
        context = chromium.new_context(viewport=VIEWPORT)
        context.add_init_script(TIME_PLOTLY_REACT)
        try:
            query = urllib.parse.quote(f"run.hparams.batch_size > -{k + 1}")
            for label in ("first", "again"):
                page = context.new_page()
                page.set_default_timeout(120_000)
                try:
                    browser.visit(page, f"{url}/params?q={query}", "params")
                    times[label].append(page.evaluate("window.aimRenderedAt") / 1000)
                    times["parts"].append([t / 1000 for t in page.evaluate(PARAMS_PARTS)])
                finally:
                    page.close()
        finally:
            context.close()
    return times


def params_explorer(chromium, url: str, runs: int, repeat: int) -> list[str]:
    """The params explorer over every run (params_times), and its two API requests alone."""
    times = params_times(chromium, url, repeat)
    first, again = (statistics.median(times[label]) for label in ("first", "again"))
    replies, react = (statistics.median(part[i] for part in times["parts"]) for i in (0, 1))
    api_s = min(
        api_time(f"{url}/api/runs")[0] + api_time(f"{url}/api/runs_metrics")[0] for _ in range(repeat)
    )
    return [
        f"params explorer over {runs:,} runs (parallel coordinates of its default columns: 2 params"
        f" and 2 metrics' last values; the runs table below): navigation to drawn, median of {repeat}",
        f"  first, idle daemon, empty browser cache {first * 1e3:>8.0f} ms   "
        f"(target <= {TARGET_PARAMS_S:g} s: {verdict(first, TARGET_PARAMS_S)})",
        f"  the same view again                     {again * 1e3:>8.0f} ms   "
        f"(target <= {TARGET_PARAMS_S:g} s: {verdict(again, TARGET_PARAMS_S)})",
        f"    of which to both API replies in       {replies * 1e3:>8.0f} ms   (median of both)",
        f"    of which Plotly.react (WebGL lines)   {react * 1e3:>8.0f} ms",
        f"  API requests alone (runs, runs_metrics) {api_s * 1e3:>8.0f} ms   (best of {repeat})",
    ]


# long tasks of the page's main thread, recorded from its start (takeRecords() hands over those
# the observer has not delivered yet)
RECORD_LONG_TASKS = """window.aimLongTasks = [];
window.aimLongTaskObserver = new PerformanceObserver((list) => {
    for (const task of list.getEntries()) window.aimLongTasks.push([task.startTime, task.duration]);
});
window.aimLongTaskObserver.observe({type: 'longtask', buffered: true});"""
LONG_TASKS_SINCE = """async (since) => {
    for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
    }
    for (const task of window.aimLongTaskObserver.takeRecords()) {
        window.aimLongTasks.push([task.startTime, task.duration]);
    }
    return window.aimLongTasks.filter(([start]) => start >= since).map(([, duration]) => duration);
}"""
COUNT_HOVERS = """() => {
    window.aimHovers = 0;
    document.querySelector('.js-plotly-plot').on('plotly_hover', () => { window.aimHovers += 1; });
}"""


def hover_tasks(chromium, url: str, passes: int = 3, steps: int = 150) -> tuple[list[float], int, int, float]:
    """Moves the mouse across the first chart of url (passes sweeps over its plot area's width at
    different heights, steps small moves each) and returns the page's main-thread long tasks
    (> 50 ms) that began meanwhile (their durations in ms), the moves, the plotly_hover events
    and the seconds the sweeps took."""
    context = chromium.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.add_init_script(RECORD_LONG_TASKS)
        browser.visit(page, url, "metrics")
        page.evaluate(COUNT_HOVERS)
        area = page.locator(".js-plotly-plot .nsewdrag").first
        area.scroll_into_view_if_needed()
        box = area.bounding_box()
        since = page.evaluate("performance.now()")
        started = time.perf_counter()
        for n in range(passes):
            y = box["y"] + box["height"] * (n + 1) / (passes + 1)
            ends = (box["x"] + 2, box["x"] + box["width"] - 2)
            page.mouse.move(ends[n % 2], y)
            page.mouse.move(ends[1 - n % 2], y, steps=steps)
        took = time.perf_counter() - started
        tasks = page.evaluate(LONG_TASKS_SINCE, since)
        return tasks, passes * (steps + 1), page.evaluate("window.aimHovers"), took
    finally:
        context.close()


def hover(url: str, runs: int, steps: int) -> list[str]:
    """hover_tasks over HOVER_RUNS runs x 4 metrics in one chart, no aggregation."""
    from playwright.sync_api import sync_playwright

    shown = min(runs, HOVER_RUNS)
    query = urllib.parse.quote(f"run.hparams.seed < {shown}")
    with sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        tasks, moves, hovers, took = hover_tasks(chromium, f"{url}/metrics?q={query}&chart=")
        chromium.close()
    over = [t for t in tasks if t > TARGET_TASK_MS]
    longest = max(tasks, default=0.0)
    return [
        f"hovering {shown * 4} curves of {min(steps, 1000):,} points in one chart (no aggregation):"
        f" {moves} mouse moves over its width in {took:.1f} s, {hovers} hover events",
        f"  longest main-thread task {longest:>6.0f} ms, {len(tasks)} task(s) > 50 ms, {len(over)} > "
        f"{TARGET_TASK_MS} ms   (target none > {TARGET_TASK_MS} ms: {'ok' if not over else 'MISS'})",
    ]


def verdict(seconds: float, target: float) -> str:
    return f"{'ok' if seconds <= target else 'MISS'} ({seconds / target:.2f} x)"


def page_time(context, url: str, what: str) -> tuple[float, float]:
    """Seconds from navigation to the page marking `what` rendered, and to plotly.js being
    loaded and run (0 on a page without charts), in a new page of context."""
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        browser.visit(page, url, what)
        return page.evaluate("window.aimRenderedAt") / 1000, page.evaluate(PLOTLY_LOADED) / 1000
    finally:
        page.close()


def cold_and_warm(chromium, url: str, what: str, repeat: int) -> tuple[list[tuple], list[tuple]]:
    """Times with an empty browser cache (a fresh context each), and with the cache of an earlier
    visit (plotly.js and its compiled code cached: a user's second page)."""
    cold, warm = [], []
    for _ in range(repeat):
        context = chromium.new_context(viewport=VIEWPORT)
        try:
            cold.append(page_time(context, url, what))
            warm.append(page_time(context, url, what))
        finally:
            context.close()
    return cold, warm


def returning(playwright, url: str, what: str, repeat: int) -> list[tuple]:
    """Times in a browser profile on disk after two earlier visits (plotly.js's code cached)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="aim-bench-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=browser.CHROMIUM, args=browser.CHROMIUM_FLAGS
        )
        try:
            return [page_time(context, url, what) for _ in range(2 + repeat)][2:]
        finally:
            context.close()


def api_time(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as reply:
        body = reply.read()
    return time.perf_counter() - started, len(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--metrics", type=int, default=50)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--repo-dir", default="/tmp")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--agg-runs", type=int, default=100)
    parser.add_argument("--agg-steps", type=int, default=5_000)
    parser.add_argument("--agg-processes", type=int, default=4, help="processes tracking the explorers' runs")
    parser.add_argument("--explorers-only", action="store_true")
    parser.add_argument(
        "--aim",
        metavar="PREFIX",
        help="also time Aim's UI on the same data: the prefix of a Python environment with Aim 3.29.1",
    )
    parser.add_argument("--aim-runs", type=int, default=100, help="runs of the comparison with Aim")
    parser.add_argument("--aim-steps", type=int, default=1_000, help="steps of the comparison with Aim")
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright

        import aim.web.app  # noqa: F401  (the ui extra)
    except ImportError as exc:
        print(f"skipped: {exc.name} is missing (make test-browser installs the ui extra and playwright)")
        return 0
    if not Path(browser.CHROMIUM).exists():
        print(f"skipped: {browser.CHROMIUM} is missing (make test-browser installs Debian's chromium)")
        return 0
    repos = harness.Repos(args.repo_dir, args.keep)
    lines: list[str] = []  # the report, printed under the machine line
    server = None
    try:
        path = repos.new("ui-explorers")
        started = time.perf_counter()
        populate_groups(path, args.agg_runs, args.agg_steps, args.agg_processes)
        took = time.perf_counter() - started
        points = args.agg_runs * 4 * args.agg_steps
        print(
            f"populated the explorers' repository in {took:.1f} s ({points / took / 1e6:.2f} M points/s)",
            flush=True,
        )
        read_s, read_points = read_rate(path)
        harness.stop_daemon(path)  # aim up's first view finds a fresh, idle daemon
        server, url = browser.serve(path)
        lines += explorers(path, url, args.agg_runs, args.agg_steps, args.repeat)
        lines += hover(url, args.agg_runs, args.agg_steps)
        lines.append(
            f"  query_metrics('') into numpy, fresh daemon {read_s * 1e3:>8.0f} ms   "
            f"({read_points / read_s / 1e6:.2f} M points/s cold)"
        )
        browser.stop(server)
        server = None
        if args.aim:
            lines += versus_aim(
                repos, Path(args.aim), args.aim_runs, args.aim_steps, args.repeat, args.agg_processes
            )
        if args.explorers_only:
            print(f"\n{harness.machine()}\n" + "\n".join(lines))
            return 0
        path = repos.new("ui")
        started = time.perf_counter()
        populate_runs(path, args.runs)
        run_hash = populate_metrics(path, args.metrics, args.points)
        print(
            f"populated {args.runs:,} runs and {args.metrics} metrics x {args.points:,} points "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        server, url = browser.serve(path)
        query = urllib.parse.quote(f"run.hash == {json.dumps(run_hash)}")
        chart_url = f"{url}/metrics?q={query}&group=none"
        with sync_playwright() as playwright:
            chromium = browser.launch(playwright)
            cold_and_warm(chromium, url + "/runs", "runs", 1)  # warms the daemon's caches and the server
            cold_and_warm(chromium, chart_url, "metrics", 1)
            table = cold_and_warm(chromium, url + "/runs", "runs", args.repeat)
            chart = cold_and_warm(chromium, chart_url, "metrics", args.repeat)
            chromium.close()
            table = (*table, returning(playwright, url + "/runs", "runs", args.repeat))
            chart = (*chart, returning(playwright, chart_url, "metrics", args.repeat))
            chromium = browser.launch(playwright)
            grid = grid_time(chromium, f"{url}/metrics?q={query}", args.repeat)  # grouped by metric
            params = params_explorer(chromium, url, args.runs, args.repeat)
            chromium.close()
        table_api, table_bytes = min(api_time(url + "/api/runs") for _ in range(args.repeat))
        chart_api, chart_bytes = min(
            api_time(f"{url}/api/metrics?q={query}&max_points=1000") for _ in range(args.repeat)
        )
        for label, samples, target, api_s, size in (
            (f"runs table of {args.runs:,} runs", table, TARGET_TABLE_S, table_api, table_bytes),
            (
                f"chart of {args.metrics} metrics x {args.points:,} points",
                chart,
                TARGET_CHART_S,
                chart_api,
                chart_bytes,
            ),
        ):
            lines.append(f"{label}: navigation to rendered, median of {args.repeat}")
            caches = ("empty browser cache", "cached page assets", "returning (code cache)")
            for cache, times in zip(caches, samples, strict=True):
                median = statistics.median(t for t, _ in times)
                plotly = statistics.median(p for _, p in times)
                verdict = f"<= {target:g} s: {'ok' if median <= target else 'MISS'} ({median / target:.2f} x)"
                lines.append(f"  {cache:<24}{median * 1e3:>8.0f} ms   {verdict}")
                if plotly:
                    lines.append(f"    of which to plotly.js loaded and run {plotly * 1e3:>6.0f} ms")
            lines.append(f"  API request alone       {api_s * 1e3:>8.0f} ms   ({size / 1e6:.1f} MB of JSON)")
        lines.append(f"{args.metrics} charts, one per metric (the default grouping), empty browser cache")
        for label, times in zip(("charts on screen drawn", "every chart drawn"), grid, strict=True):
            lines.append(f"  {label:<24}{statistics.median(times) * 1e3:>8.0f} ms")
        lines += params
    finally:
        if server is not None:
            browser.stop(server)
        repos.stop()
    print(f"\n{harness.machine()}\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
