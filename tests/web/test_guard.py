"""`aim up` against the other tabs of the user's browser (DNS rebinding, cross-site requests), its
address (bound before it is announced) and its base path, through real HTTP to `aim up` processes."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("starlette")

from aim import Repo, Run  # noqa: E402
from tests.helpers import ROOT, release_repo  # noqa: E402
from tests.web.helpers import Proxy, serve, served, stop  # noqa: E402

QUIET = {"system_tracking_interval": None, "capture_terminal_logs": False}
TOKEN = "a-token-for-the-guard-tests-0123456789"
JSON = {"Content-Type": "application/json"}
ATTACKER = "http://attacker.example"


def _request(
    port: int, method: str, path: str, host: str | None = None, headers: dict | None = None, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers with lower-case names, body) of one request to 127.0.0.1:port, its Host
    header host (127.0.0.1:port when None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{port}")
        for key, value in {**(headers or {}), "Content-Length": str(len(body))}.items():
            conn.putheader(key, value)
        conn.endheaders(body or None)
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def _port(url: str) -> int:
    return urlsplit(url).port or 80


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Path, int, list[str]]]:
    """`aim up` with its defaults (loopback, no token) over a repository of two finished runs:
    (the repository, the port, the run hashes)."""
    repo = tmp_path_factory.mktemp("guard") / "repo"
    repo.mkdir()
    hashes = []
    for name in ("first", "second"):
        with Run(repo=str(repo), **QUIET) as run:
            run.name = name
            run.track(1.0, name="loss", step=0)
        hashes.append(run.hash)
    with served(repo) as url:
        yield repo, _port(url), hashes
    release_repo(repo)


def _archived(repo: Path, run_hash: str) -> bool:
    run = Repo(str(repo)).get_run(run_hash)
    assert run is not None, f"run {run_hash} is gone"
    return run.archived


def test_a_foreign_host_is_refused_on_every_method_and_changes_nothing(site):
    repo, port, (run_hash, _) = site
    foreign = f"attacker.example:{port}"  # what a rebound page sends
    status, headers, body = _request(port, "GET", "/api/runs", host=foreign)
    assert status == 403 and b"--allowed-host attacker.example" in body and b"hash" not in body
    status, headers, body = _request(port, "GET", "/metrics", host=foreign)
    assert status == 403 and headers["content-type"].startswith("text/html")
    assert b"Host not allowed" in body and b"--allowed-host attacker.example" in body
    same_origin = {**JSON, "Origin": f"http://{foreign}"}  # the rebound page's own origin
    archive = f"/api/runs/{run_hash}/archive"
    assert _request(port, "POST", archive, foreign, same_origin, b'{"archived": true}')[0] == 403
    assert _request(port, "DELETE", f"/api/runs/{run_hash}", foreign, same_origin)[0] == 403
    assert _request(port, "GET", "/api/runs", host=f"localhost:{port + 1}")[0] == 403  # another port
    assert not _archived(repo, run_hash)  # still there, not archived


def test_the_ui_answers_to_its_loopback_names_with_its_port(site):
    repo, port, _ = site
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST.:{port}"):
        status, _, body = _request(port, "GET", "/api/runs", host=host)
        assert status == 200 and b'"first"' in body, host
    assert _request(port, "GET", "/", host=f"localhost:{port}")[0] == 200


def test_a_cross_site_simple_request_changes_nothing(site):
    repo, port, (run_hash, _) = site
    archive = f"/api/runs/{run_hash}/archive"
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        headers = {"Content-Type": content_type, "Origin": ATTACKER}
        status, _, body = _request(port, "POST", archive, headers=headers, body=b'{"archived": true}')
        assert status == 403 and b"another site" in body, content_type
    # without an Origin (a script), a body that is not JSON is still refused
    status, _, body = _request(port, "POST", archive, headers={"Content-Type": "text/plain"}, body=b"{}")
    assert status == 415 and b"application/json" in body
    # JSON from another site's page, or with only its Referer, is refused as well
    for headers in (
        {**JSON, "Origin": ATTACKER},
        {**JSON, "Referer": f"{ATTACKER}/page"},
        {**JSON, "Origin": "null"},
    ):
        assert _request(port, "POST", archive, headers=headers, body=b'{"archived": true}')[0] == 403
    assert _request(port, "DELETE", f"/api/runs/{run_hash}", headers={"Origin": ATTACKER})[0] == 403
    assert not _archived(repo, run_hash)


def test_the_uis_own_origin_and_scripts_may_change_runs(site):
    repo, port, (_, run_hash) = site
    archive = f"/api/runs/{run_hash}/archive"
    own = {**JSON, "Origin": f"http://localhost:{port}"}
    assert _request(port, "POST", archive, headers=own, body=b'{"archived": true}')[0] == 200
    assert _archived(repo, run_hash)
    assert _request(port, "POST", archive, headers=JSON, body=b'{"archived": false}')[0] == 200  # a script
    assert not _archived(repo, run_hash)


def test_no_reply_carries_cors_headers(site):
    _, port, (run_hash, _) = site
    preflight = {"Origin": ATTACKER, "Access-Control-Request-Method": "DELETE"}
    for method, path, headers in (
        ("OPTIONS", f"/api/runs/{run_hash}", preflight),
        ("GET", "/api/runs", {"Origin": ATTACKER}),
        ("GET", "/", {"Origin": ATTACKER}),
    ):
        _, reply_headers, _ = _request(port, method, path, headers=headers)
        assert not [key for key in reply_headers if key.startswith("access-control-")], (method, path)


def test_a_second_aim_up_on_a_busy_port_says_so_first_and_exits_non_zero(site):
    repo, port, _ = site
    argv = [sys.executable, "-m", "aim.cli.main", "up", "--repo", str(repo), "--port", str(port)]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1 and "serving" not in done.stdout
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"aim up: cannot serve on 127.0.0.1:{port}: it is in use by another process")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory) -> Iterator[tuple[Path, int, Proxy, str]]:
    """`aim up --base-path /aim/ --allowed-host aim.proxy.test` with a token ($AIM_UI_ALLOWED_HOSTS
    adding another name), behind a reverse proxy: (the repository, the UI's port, the proxy, a run hash)."""
    folder = tmp_path_factory.mktemp("proxied")
    repo, token_file = folder / "repo", folder / "token"
    repo.mkdir()
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    with Run(repo=str(repo), **QUIET) as run:
        run.name = "behind a proxy"
    options = ("--base-path", "aim/", "--allowed-host", "aim.proxy.test", "--token-file", str(token_file))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIM_UI_ALLOWED_HOSTS", "other.proxy.test:8443, third.proxy.test")
        proc, url = serve(repo, *options)
    proxy = Proxy(_port(url))
    yield repo, _port(url), proxy, run.hash
    proxy.close()
    stop(proc)
    release_repo(repo)


def test_base_path_serves_pages_assets_and_api_under_the_prefix_behind_a_proxy(proxied):
    repo, port, proxy, run_hash = proxied
    host = f"aim.proxy.test:{proxy.port}"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    status, _, body = _request(proxy.port, "GET", "/aim/api/runs", host, bearer)
    assert status == 200 and b"behind a proxy" in body
    status, headers, page = _request(proxy.port, "GET", "/aim/metrics", host, bearer)
    assert status == 200 and b'<meta name="aim-base-path" content="/aim">' in page
    # the page's <base> and its absolute href and src values get the prefix (its relative links
    # and scripts resolve against the <base>); data-plotly's address gets it from the page's script
    assert b'<base href="/aim/">' in page and b'src="/aim/vendor/plotly.min.js' in page
    assert b'href="static/app.css"' in page and b'href="metrics"' in page and b'="/static/' not in page
    assert headers["link"].startswith("</aim/vendor/plotly.min.js")
    assert _request(proxy.port, "GET", "/aim/static/common.js", host)[0] == 200  # code: no token
    assert _request(proxy.port, "GET", "/aim/vendor/plotly.min.js", host)[0] == 200
    for outside in ("/api/runs", "/static/common.js", "/metrics", "/aimx/api/runs"):
        assert _request(proxy.port, "GET", outside, host, bearer)[0] == 404, outside
    status, headers, _ = _request(proxy.port, "GET", "/aim", host, bearer)
    assert status in (307, 308) and headers["location"] == "/aim/"
    # the token in a page's address becomes a cookie, and the browser goes on under the prefix
    status, headers, _ = _request(proxy.port, "GET", "/aim/metrics?token=" + TOKEN + "&q=x", host)
    assert status == 303 and headers["location"] == "/aim/metrics?q=x"
    assert "Path=/aim/" in headers["set-cookie"]  # not sent to other sites behind the same proxy
    # a change through the proxy from its own pages, and the names $AIM_UI_ALLOWED_HOSTS adds
    own = {**bearer, **JSON, "Origin": f"http://{host}"}
    archive = f"/aim/api/runs/{run_hash}/archive"
    assert _request(proxy.port, "POST", archive, host, own, b'{"archived": true}')[0] == 200
    assert _archived(repo, run_hash)
    for name, allowed in (
        ("other.proxy.test:8443", True),
        ("other.proxy.test:9443", False),
        ("third.proxy.test", True),
    ):
        assert (_request(proxy.port, "GET", "/aim/api/runs", name, bearer)[0] == 200) is allowed, name
    assert _request(proxy.port, "GET", "/aim/api/runs", f"evil.test:{proxy.port}", bearer)[0] == 403


def test_bearer_scripts_work_straight_to_the_port(proxied):
    repo, port, _, run_hash = proxied
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert _request(port, "GET", "/aim/api/runs")[0] == 401
    status, _, body = _request(port, "GET", f"/aim/api/runs/{run_hash}", headers=bearer)
    assert status == 200 and run_hash.encode() in body
    archive = f"/aim/api/runs/{run_hash}/archive"
    assert _request(port, "POST", archive, headers={**bearer, **JSON}, body=b'{"archived": false}')[0] == 200
    assert not _archived(repo, run_hash)


def test_bad_allowed_hosts_and_base_paths_are_one_line_each(tmp_path):
    up = [sys.executable, "-m", "aim.cli.main", "up", "--repo", str(tmp_path), "--port", "0"]
    for options, said in (
        (["--allowed-host", "a:b:c"], "'a:b:c' is no host name"),
        (["--base-path", "/a/../b"], "is not a plain path"),
        (["--base-path", '/a"b'], "is not a plain path"),
    ):  # refused before a repository is looked for (none is: the prompt would be answered no)
        done = subprocess.run(
            [*up, *options], input="n\n", capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        assert done.returncode == 1 and said in done.stderr, done.stderr
        assert len(done.stderr.splitlines()) == 1 and not done.stdout, done.stdout


def test_a_websocket_from_another_sites_page_or_name_is_refused():
    """The same rules for the live channel's upgrade (the app's own routes, present and future,
    all sit behind aim.web.access.Access)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import WebSocketRoute
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    from aim.web.access import Access

    async def echo(socket) -> None:
        await socket.accept()
        await socket.send_text("hello")
        await socket.close()

    app = Starlette(routes=[WebSocketRoute("/live", echo)], middleware=[Middleware(Access)])
    client = TestClient(app)  # its requests come to "testserver", port 80
    with client.websocket_connect("/live", headers={"Origin": "http://testserver"}) as live:
        assert live.receive_text() == "hello"
    with client.websocket_connect("/live") as socket:  # a script: no Origin
        assert socket.receive_text() == "hello"
    for headers in ({"Origin": ATTACKER}, {"Host": "attacker.example"}):
        with pytest.raises(WebSocketDisconnect) as refused:
            with client.websocket_connect("/live", headers=headers):
                pass
        assert refused.value.code == 1008


def _daemon_serves(repo: Path) -> bool:
    argv = [sys.executable, "-m", "aimd", "status", "--repo", str(repo)]
    return subprocess.run(argv, capture_output=True, cwd=ROOT, timeout=120).returncode == 0


def test_the_daemon_aim_up_started_stops_with_it_unless_a_run_is_tracked(tmp_path):
    repo = tmp_path / "repo"
    proc, url = serve(repo, "-y")
    try:
        assert _request(_port(url), "GET", "/api/runs")[0] == 200
        assert _daemon_serves(repo)  # started for aim up
        other, other_url = serve(repo)  # a second aim up finds it serving
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    try:
        assert not _daemon_serves(repo)
        assert _request(_port(other_url), "GET", "/api/runs")[0] == 200  # the other starts it again
    finally:
        stop(other)
    assert _daemon_serves(repo)  # that one had not started it: it is left as it was
    release_repo(repo)
    with served(repo) as url:
        assert _request(_port(url), "GET", "/api/runs")[0] == 200
        run = Run(repo=str(repo), **QUIET)  # a training process: its run is active
        run.track(1.0, name="loss", step=0)
    try:
        assert _daemon_serves(repo)  # it kept serving the run
        run.track(2.0, name="loss", step=1)
        run.close()
        assert Repo(str(repo)).get_run(run.hash).get_metric("loss").values.tolist() == [1.0, 2.0]
    finally:
        release_repo(repo)


def test_a_unix_socket_is_guarded_and_removed_on_exit(tmp_path):
    repo, sock_path = tmp_path / "repo", tmp_path / "ui.sock"
    argv = [sys.executable, "-m", "aim.cli.main", "up", "-y", "--repo", str(repo), "--uds", str(sock_path)]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(host: str) -> int:
        conn = http.client.HTTPConnection("localhost", timeout=60)
        conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.sock.connect(str(sock_path))
        try:
            conn.request("GET", "/api/runs", headers={"Host": host})
            return conn.getresponse().status
        finally:
            conn.close()

    try:
        deadline = time.monotonic() + 120
        while True:  # listening before aim up says so
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                if probe.connect_ex(str(sock_path)) == 0:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "aim up did not bind its socket"
            time.sleep(0.05)
        assert get("localhost") == 200  # the proxy in front chose the port
        assert get("attacker.example") == 403
        again = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert again.returncode == 1
        assert again.stderr.startswith(f"aim up: cannot serve on {sock_path}: the file exists")
    finally:
        stop(proc)
    assert not sock_path.exists() and not _daemon_serves(repo)


def test_allowed_names_with_or_without_a_port_and_the_wildcard():
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from aim.web.access import Access

    def status(hosts: list[str], host: str) -> int:
        app = Starlette(
            routes=[Route("/x", lambda request: PlainTextResponse("ok"))],
            middleware=[Middleware(Access, hosts=hosts)],
        )
        return TestClient(app).get("/x", headers={"Host": host}).status_code

    allowed = ["aim.example", "proxy.example:8443", "[::2]"]
    for host, expected in (
        ("aim.example", 200),
        ("AIM.example.:9000", 200),  # a name alone allows any port
        ("proxy.example:8443", 200),
        ("proxy.example:8444", 403),
        ("proxy.example", 403),  # port 80
        ("[::2]:80", 200),
        ("sub.aim.example", 403),
        ("aim.example.evil.test", 403),
        ("localhost:81", 403),  # the test server's port is 80
        ("localhost", 200),
        ("[::1]", 200),
        ("a:b:c", 403),
    ):
        assert status(allowed, host) == expected, host
    assert status(["*"], "anything.example:1") == 200
