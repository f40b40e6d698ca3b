"""The UI's API for notes, settings, tags and bookmarks over a real daemon: bad input refused
with a message that names the problem."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from aim import Repo  # noqa: E402
from aim.web.app import create_app  # noqa: E402
from aimproto import contract  # noqa: E402
from tests.helpers import quiet_run  # noqa: E402


@pytest.fixture
def client_and_run(repo):
    with quiet_run(repo, experiment="exp") as run:
        run.track(1.0, name="loss")
    with TestClient(create_app(Repo(str(repo)))) as client:
        yield client, run.hash


def test_bad_input_is_refused_with_its_reason(client_and_run):
    client, run_hash = client_and_run
    too_big = client.put(
        f"/api/runs/{run_hash}/notes", json={"notes": "x" * (contract.MAX_DOCUMENT_BYTES + 1)}
    )
    assert (
        too_big.status_code == 400 and f"{contract.MAX_DOCUMENT_BYTES + 1} bytes" in too_big.json()["error"]
    )
    empty = client.post(f"/api/runs/{run_hash}/settings", json={"name": "  "})
    assert empty.status_code == 400 and "cannot be empty" in empty.json()["error"]
    for address in ("javascript:alert(1)", "https://elsewhere.example/", ""):
        mark = client.post("/api/bookmarks", json={"name": "x", "address": address})
        assert mark.status_code == 400, address
    colour = client.post("/api/tags/best/info", json={"colour": "red; background:url(x)"})
    assert colour.status_code == 400 and "#rrggbb" in colour.json()["error"]
    assert client.get("/api/runs/0123456789abcdef01234567/notes").status_code == 404
    assert client.get("/api/experiments/nope").status_code == 404
    assert client.get("/api/live?runs=not%20a%20hash").status_code == 400


def test_bookmarks_written_around_the_ui_that_leave_it_are_not_offered(client_and_run, repo):
    client, _ = client_and_run
    Repo(str(repo)).set_document(contract.DOCUMENT_BOOKMARK, "evil", '{"address": "javascript:alert(1)"}')
    assert client.post("/api/bookmarks", json={"name": "good", "address": "/metrics?q=1"}).status_code == 200
    assert [b["address"] for b in client.get("/api/bookmarks").json()["bookmarks"]] == ["metrics?q=1"]


def test_settings_and_notes_round_trip(client_and_run, repo):
    client, run_hash = client_and_run
    reply = client.post(
        f"/api/runs/{run_hash}/settings", json={"name": "n", "description": "d", "experiment": "e2"}
    )
    assert reply.status_code == 200
    run = Repo(str(repo)).get_run(run_hash)
    assert (run.name, run.description, run.experiment) == ("n", "d", "e2")
    assert client.put(f"/api/runs/{run_hash}/notes", json={"notes": "# hi"}).json()["notes"] == "# hi"
    assert run.notes == "# hi"
