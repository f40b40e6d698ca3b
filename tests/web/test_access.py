"""Who may use the UI: its access token and read-only mode, in the app and through `aim up`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from aim import Repo, Run  # noqa: E402
from aim.cli.main import build_parser  # noqa: E402
from aim.cli.up import read_token  # noqa: E402
from aim.web.access import COOKIE, check_token  # noqa: E402
from aim.web.app import create_app  # noqa: E402
from tests.helpers import ROOT, release_repo  # noqa: E402
from tests.web.helpers import serve, stop  # noqa: E402

TOKEN = "s3cret-token-of-the-ui-0123456789"
QUIET = {"system_tracking_interval": None, "capture_terminal_logs": False}


@pytest.fixture(scope="module")
def run_hash(shared):
    with Run(repo=str(shared), **QUIET) as run:
        run.track(1.0, name="loss", step=0)
    return run.hash


@pytest.fixture(scope="module")
def guarded(shared, run_hash):
    with TestClient(create_app(Repo(str(shared)), token=TOKEN), follow_redirects=False) as client:
        yield client


def test_without_the_token_pages_and_api_are_refused_but_the_ui_code_is_not(guarded):
    page = guarded.get("/metrics")
    assert page.status_code == 401 and "Token needed" in page.text and "?token=TOKEN" in page.text
    api = guarded.get("/api/runs")
    assert api.status_code == 401 and api.json()["kind"] == "unauthenticated"
    wrong = {"Authorization": "Bearer wrong-token-0123456789"}
    assert guarded.get("/api/runs", headers=wrong).status_code == 401
    assert guarded.get("/static/common.js").status_code == 200  # code, no data


def test_the_token_in_an_address_becomes_a_cookie_and_leaves_the_address(guarded):
    reply = guarded.get("/metrics", params={"q": 'metric.name == "loss"', "token": TOKEN})
    assert reply.status_code == 303
    assert reply.headers["location"] == "/metrics?q=metric.name+%3D%3D+%22loss%22"  # the rest kept
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={TOKEN}") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    try:
        assert guarded.get("/api/runs").status_code == 200  # the client keeps the cookie
        guarded.cookies.clear()
        guarded.cookies.set(COOKIE, "not-the-token-0123456789")
        assert guarded.get("/metrics").status_code == 401
    finally:
        guarded.cookies.clear()


def test_scripts_present_the_token_as_a_bearer_header(guarded, run_hash):
    reply = guarded.get(f"/api/runs/{run_hash}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200 and reply.json()["props"]["hash"] == run_hash


def test_a_short_token_is_refused():
    with pytest.raises(ValueError, match="at least 16 characters"):
        check_token(" short ")


def test_read_only_refuses_changes_and_the_page_offers_none(shared, run_hash):
    with TestClient(create_app(Repo(str(shared)), read_only=True)) as client:
        refused = client.post(f"/api/runs/{run_hash}/archive", json={"archived": True})
        assert refused.status_code == 403 and refused.json()["kind"] == "read-only"
        assert client.delete(f"/api/runs/{run_hash}").status_code == 403
        assert 'data-read-only="1"' in client.get("/").text
        assert not client.get(f"/api/runs/{run_hash}").json()["props"]["archived"]


def test_aim_up_takes_aims_short_options():
    args = build_parser().parse_args(["up", "-h", "0.0.0.0", "-p", "43900", "-y", "--read-only"])
    assert (args.host, args.port, args.yes, args.read_only) == ("0.0.0.0", 43900, True, True)


def test_a_token_file_others_may_read_is_refused(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(f"# the UI's token\n{TOKEN}\n")
    token_file.chmod(0o644)
    with pytest.raises(ValueError, match="may be read by others: chmod 600"):
        read_token(str(token_file))
    token_file.chmod(0o600)
    assert read_token(str(token_file)) == TOKEN


def _status(url: str, method: str = "GET", token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers["Content-Type"] = "application/json"
    body = b"{}" if method == "POST" else None
    request = urllib.request.Request(url, method=method, headers=headers, data=body)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_aim_up_creates_the_repository_with_y_and_serves_it_behind_its_token(tmp_path):
    repo = tmp_path / "new"
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    proc, url = serve(repo, "-y", "--token-file", str(token_file), "--read-only")
    try:
        assert _status(url + "/api/runs") == 401  # answered once serving (it listens from the start)
        assert (repo / ".aim").is_dir()
        assert _status(url + "/api/runs", token=TOKEN) == 200
        with Run(repo=str(repo), **QUIET) as run:
            pass
        assert _status(f"{url}/api/runs/{run.hash}/archive", "POST", token=TOKEN) == 403
    finally:
        stop(proc)
        release_repo(repo)


def test_aim_up_without_a_repository_asks_and_stops_on_no(tmp_path):
    argv = [sys.executable, "-m", "aim.cli.main", "up", "--repo", str(tmp_path / "none")]
    done = subprocess.run(argv, input="n\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1 and "is not an Aim repository. Initialize one there? [y/N]" in done.stdout
    assert "create one with `aim init`" in done.stderr and not (tmp_path / "none" / ".aim").exists()


def test_aim_up_warns_of_an_open_address_without_a_token(tmp_path):
    code = (  # binds loopback (a test opens no public port) and serves nothing
        "import json, sys, uvicorn\n"
        "import aim.cli.up as up\n"
        "asked, real = [], up.bind\n"
        "up.bind = lambda host, port, uds: (asked.append(host), real('127.0.0.1', 0, None))[1]\n"
        "uvicorn.Server.run = lambda self, sockets: print(json.dumps({'host': asked[0]}))\n"
        "from aim.cli.main import main; sys.exit(main(sys.argv[1:]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "AIM_UI_TOKEN"}
    argv = [sys.executable, "-c", code, "up", "-y", "--repo", str(tmp_path), "-h", "0.0.0.0"]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "without a token: there is no authentication" in done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["host"] == "0.0.0.0"
    release_repo(tmp_path)
