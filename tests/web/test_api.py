"""The UI's HTTP API over a real daemon: pages, JSON endpoints, actions and bad input."""

from __future__ import annotations

import subprocess
import sys
import zlib

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from aim import Repo, Run  # noqa: E402
from aim.web import data  # noqa: E402
from aim.web.app import create_app, plotly_js  # noqa: E402
from aim.web.replies import JSONReply  # noqa: E402
from tests.helpers import ROOT, daemon_pid, stop_daemon  # noqa: E402
from tests.web.helpers import FIGURE_STEPS, INJECTED, LONG_STEPS, SPIKE, SPIKE_STEP, fill  # noqa: E402


@pytest.fixture(scope="module")
def filled(shared):
    return fill(shared)


@pytest.fixture(scope="module")
def client(shared, filled):
    with TestClient(create_app(Repo(str(shared)))) as client:
        yield client


def test_pages_are_served_with_plotly_from_the_package(client, filled):
    for path in (
        "/",
        "/runs",
        "/metrics",
        "/images",
        "/distributions",
        "/texts",
        "/figures",
        f"/runs/{filled['run0']}",
        f"/runs/{filled['run0']}/metrics",
    ):
        page = client.get(path)
        assert page.status_code == 200 and '<base href="/">' in page.text and "static/common.js" in page.text
    assert client.get("/static/metrics.js").status_code == 200
    plotly = client.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and b"plotly" in plotly.content[:2000].lower()


def test_plotly_is_named_by_version_cached_for_good_and_compressed(client):
    from importlib.metadata import version

    script = f'<script defer id="plotly" src="/vendor/plotly.min.js?v={version("plotly")}"></script>'
    assert script in client.get("/metrics").text and script in client.get("/figures").text
    assert 'id="plotly"' not in client.get("/").text  # the runs table draws no chart
    url, gzip = f"/vendor/plotly.min.js?v={version('plotly')}", {"Accept-Encoding": "gzip"}
    with client.stream("GET", url, headers=gzip) as reply:
        sent = b"".join(reply.iter_raw())
    assert reply.headers["content-encoding"] == "gzip" and "immutable" in reply.headers["cache-control"]
    assert len(sent) < 0.5 * plotly_js().stat().st_size
    script = zlib.decompress(sent, wbits=31)
    assert script.endswith(plotly_js().read_bytes())  # the package's file, whole, after a compile hint
    assert script.startswith(b"//# allFunctionsCalledOnLoad\n")
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == script


def test_json_replies_carry_ints_beyond_64_bits():
    """orjson writes replies; a param it cannot write (an int past 64 bits) falls back to json."""
    assert JSONReply({"lr": 0.1, "seed": 2**70}).body == b'{"lr":0.1,"seed":1180591620717411303424}'
    assert JSONReply({"values": [0.5, None]}).body == b'{"values":[0.5,null]}'


def test_unknown_run_is_a_404_page(client):
    for path in ("/runs/0123456789abcdef01234567", "/runs/not..a..hash", "/nowhere"):
        page = client.get(path)
        assert page.status_code == 404 and 'data-page="notfound"' in page.text
    assert client.get("/api/runs/0123456789abcdef01234567").status_code == 404


def test_runs_table_cuts_long_names_and_huge_param_trees(client, filled):
    reply = client.get("/api/runs").json()
    runs = {r["hash"]: r for r in reply["runs"]}
    assert set(filled.values()) <= set(runs)
    hostile = runs[filled["hostile"]]
    assert len(hostile["name"]) == data.TABLE_TEXT_CHARS and hostile["name"].endswith("\u2026")
    assert len(hostile["params"]) == data.TABLE_PARAMS and reply["params_truncated"]
    assert runs[filled["run1"]]["params"]["hparams.optimizer.name"] == "adam"
    whole = client.get(f"/api/runs/{filled['hostile']}").json()  # the run page has it all
    assert whole["props"]["name"].startswith(INJECTED) and len(whole["props"]["name"]) == len(INJECTED) + 500
    assert len(whole["params"]["huge"]) == 150 and whole["params"]["huge"]["key7"]["nested"] == "v" * 300


def test_runs_query_and_metric_columns(client, filled):
    reply = client.get("/api/runs", params={"q": "run.hparams.lr > 5e-3"}).json()
    assert [r["hash"] for r in reply["runs"]] == [filled["run1"]]
    metrics = client.get("/api/runs_metrics", params={"q": 'run.experiment == "mnist"'}).json()["metrics"]
    train = metrics[filled["run0"]]['loss {"subset": "train"}']
    assert train["max"] == SPIKE and train["min"] < 0.02


def test_malformed_query_reports_its_position_and_the_server_serves_on(client):
    reply = client.get("/api/runs", params={"q": "run.hparams.lr == = 3"})
    assert reply.status_code == 400
    body = reply.json()
    assert body["kind"] == "syntax" and body["line"] == 1 and body["offset"] == 19
    reply = client.get("/api/metrics", params={"q": "nothing_here == 1"})
    assert reply.status_code == 400 and reply.json()["kind"] == "query"
    assert client.get("/api/runs").status_code == 200


def test_query_over_budget_is_a_message(client):
    reply = client.get("/api/runs", params={"q": "sum(range(10**10)) > 0"})
    assert reply.status_code == 400 and reply.json()["kind"] == "budget"


def test_metrics_are_downsampled_with_their_peaks(client, filled):
    q = f'metric.name == "loss" and metric.context.subset == "train" and run.hash == "{filled["run0"]}"'
    (series,) = client.get("/api/metrics", params={"q": q, "max_points": 200}).json()["series"]
    assert series["count"] == LONG_STEPS and len(series["steps"]) <= 200
    assert series["values"][series["steps"].index(SPIKE_STEP)] == SPIKE
    assert len(series["epochs"]) == len(series["times"]) == len(series["steps"])
    assert series["run"]["params"]["hparams.lr"] == 1e-3
    reply = client.get(f"/api/runs/{filled['run0']}/metrics", params={"max_points": 100}).json()
    names = {s["name"] for s in reply["series"]}
    assert names == {"loss", "__system__cpu"} and all(len(s["steps"]) <= 100 for s in reply["series"])
    assert client.get("/api/metrics", params={"max_points": "many"}).status_code == 400


def test_run_page_lists_every_sequence_by_kind(client, filled):
    run = client.get(f"/api/runs/{filled['objects']}").json()
    kinds = {kind: {s["name"] for s in seqs} for kind, seqs in run["sequences"].items()}
    assert kinds == {
        "images": {"samples"},
        "distributions": {"weights"},
        "texts": {"outputs", "logs"},
        "audios": {"tones"},
        "figures": {"curve"},
        "log_records": {"__log_records"},
    }


def test_objects_come_whole_and_images_by_blob(client, filled):
    (images,) = client.get("/api/images").json()["sequences"]
    assert images["steps"] == [0, 1, 2] and len(images["images"][2]) == 2
    first = images["images"][1][0]
    assert first["caption"] == f"red 1 {INJECTED}" and first["width"] == 8
    png = client.get(first["src"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:4] == b"\x89PNG"
    assert client.get("/api/blobs/zz").status_code == 400
    texts = client.get("/api/texts", params={"q": 'texts.name == "outputs"'}).json()["sequences"]
    assert texts[0]["texts"][0] == [f"generated 0 {INJECTED}"]
    (dist,) = client.get("/api/distributions").json()["sequences"]
    assert dist["steps"] == [0, 1, 2] and len(dist["weights"][0]) == len(dist["edges"]) - 1
    assert abs(sum(dist["weights"][0]) - 500) < 1e-6  # every sample lands in a common bin


def test_archive_tag_and_delete(client, shared):
    with Run(repo=str(shared), experiment="doomed", system_tracking_interval=None) as run:
        run.track(1.0, name="loss")
    hashes = lambda **p: [r["hash"] for r in client.get("/api/runs", params=p).json()["runs"]]  # noqa: E731
    assert client.post(f"/api/runs/{run.hash}/archive", json={"archived": True}).json()["archived"]
    assert run.hash not in hashes() and run.hash in hashes(archived=1)
    assert client.post(f"/api/runs/{run.hash}/tags", json={"add": "best"}).json()["tags"] == ["best"]
    assert client.post(f"/api/runs/{run.hash}/tags", json={"remove": "best"}).json()["tags"] == []
    assert client.post(f"/api/runs/{run.hash}/tags", json={"add": " "}).status_code == 400
    malformed = {"content": b"{nope", "headers": {"Content-Type": "application/json"}}
    assert client.post(f"/api/runs/{run.hash}/tags", **malformed).status_code == 400
    assert client.delete(f"/api/runs/{run.hash}").json() == {"deleted": run.hash}
    assert client.delete(f"/api/runs/{run.hash}").status_code == 409
    assert client.post(f"/api/runs/{run.hash}/archive", json={"archived": True}).status_code == 404


def test_a_restarted_daemon_is_used_on_the_next_request(client, shared, filled):
    before = daemon_pid(shared)
    stop_daemon(shared)
    reply = client.get("/api/runs")
    assert reply.status_code == 200 and filled["run0"] in {r["hash"] for r in reply.json()["runs"]}
    assert daemon_pid(shared) not in (None, before)


def test_aim_up_without_the_ui_extra_names_it(tmp_path):
    code = (
        "import sys; sys.modules['starlette'] = None\n"
        "import importlib.util as u; real = u.find_spec\n"
        "u.find_spec = lambda n, *a: None if n == 'starlette' else real(n, *a)\n"
        "from aim.cli.main import main; sys.exit(main(['up', '--repo', sys.argv[1]]))"
    )
    argv = [sys.executable, "-c", code, str(tmp_path)]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1 and "starlette" in done.stderr
    assert "pip install 'aim-tracker[ui]'" in done.stderr


def test_only_loopback_addresses_go_without_a_warning():
    from aim.cli.up import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_runs_table_first_page(client, filled):
    newest = client.get("/api/runs", params={"limit": 2}).json()
    assert not newest["complete"] and len(newest["runs"]) == 2
    every = client.get("/api/runs").json()
    assert every["complete"] and [r["hash"] for r in every["runs"][:2]] == [r["hash"] for r in newest["runs"]]
    assert client.get("/api/runs", params={"limit": 100}).json()["complete"]


def test_figures_come_as_plotly_json_by_blob(client, filled):
    (seq,) = client.get("/api/figures").json()["sequences"]
    assert seq["run"]["hash"] == filled["objects"] and seq["name"] == "curve"
    assert seq["steps"] == list(range(FIGURE_STEPS)) and seq["count"] == FIGURE_STEPS
    for step, (figure,) in zip(seq["steps"], seq["figures"], strict=True):
        reply = client.get(figure["src"])
        assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
        assert "immutable" in reply.headers["cache-control"]  # a blob is named by its hash
        body = reply.json()
        assert body["data"][0]["y"] == [step, step + 1, step + 4]
        assert body["layout"]["title"]["text"] == f"curve at step {step}"
    assert client.get("/api/figures", params={"q": 'figures.name == "nothing"'}).json() == {"sequences": []}
    reply = client.get("/api/figures", params={"q": "figures.name =="})
    assert reply.status_code == 400 and reply.json()["kind"] == "syntax"


def test_audio_is_served_as_wav(client, filled):
    (seq,) = client.get("/api/audios").json()["sequences"]
    assert seq["name"] == "tones" and seq["steps"] == [0, 1, 2]
    clip = seq["audios"][2][0]
    assert clip["caption"] == "tone 2" and clip["rate"] == 8000
    reply = client.get(clip["src"])
    assert reply.headers["content-type"] == "audio/wav" and reply.content[:4] == b"RIFF"


def test_terminal_logs_are_lines_of_text(client, filled):
    logs = client.get(f"/api/runs/{filled['objects']}/logs").json()
    assert logs == {
        "lines": [f"epoch {step} done {INJECTED}" for step in range(3)],
        "steps": [0, 1, 2],
        "count": 3,
    }
    assert client.get(f"/api/runs/{filled['run0']}/logs").json() == {"lines": [], "steps": [], "count": 0}
    assert client.get("/api/runs/0123456789abcdef01234567/logs").status_code == 404


def test_log_records_have_level_message_time_and_arguments(client, filled):
    reply = client.get(f"/api/runs/{filled['objects']}/log_records").json()
    assert reply["count"] == 3
    records = reply["records"]
    assert [(r["level"], r["level_name"]) for r in records] == [(20, "INFO"), (30, "WARNING"), (40, "ERROR")]
    assert [r["message"] for r in records] == [f"started {INJECTED}", "loss is flat", "diverged"]
    assert records[0]["args"] == {"lr": 0.1} and records[1]["args"] is None
    assert all(isinstance(r["time"], float) for r in records) and records[0]["time"] <= records[2]["time"]
    assert client.get(f"/api/runs/{filled['run0']}/log_records").json() == {"records": [], "count": 0}
    assert client.get("/api/runs/0123456789abcdef01234567/log_records").status_code == 404
