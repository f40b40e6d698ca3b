"""Headless Chromium and an `aim up` process, for the UI's browser tests and its benchmark."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = "/usr/bin/chromium"  # Debian's chromium: playwright never downloads a browser here
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright):
    """Debian's chromium, headless, through playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)


def serve(repo: Path, *options: str, timeout: float = 120) -> tuple[subprocess.Popen, str]:
    """`aim up` (with options) on repo and a free loopback port, once it answers (polled until a
    deadline): (the process, its base URL)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [sys.executable, "-m", "aim.cli.main", "up", "--repo", str(repo), "--port", str(port), *options]
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + timeout
    while True:
        try:  # it listens before it serves: wait for an answer (any status)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=max(deadline - time.monotonic(), 1))
            try:
                conn.request("HEAD", "/static/app.css")
                conn.getresponse().read()
            finally:
                conn.close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"aim up did not start serving on port {port}") from None
            time.sleep(0.05)


def stop(proc: subprocess.Popen) -> None:
    """Stop an `aim up` process by its PID (Ctrl+C, then SIGKILL) and reap it."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def visit(page, url: str, what: str) -> None:
    """Open url and wait until the page marks `what` rendered (data drawn, not just loaded);
    RuntimeError with the page's message if it shows an error instead."""
    page.goto(url)
    page.wait_for_selector(f"body[data-rendered={what}], .error:not(:empty)")
    if page.locator(f"body[data-rendered={what}]").count() == 0:
        raise RuntimeError(f"{url} shows an error: {page.locator('.error:not(:empty)').first.inner_text()}")


HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}


class Proxy:
    """A reverse proxy on a free loopback port in front of the UI at upstream_port, as nginx's
    `proxy_pass` with `proxy_set_header Host $host` is: each request goes on with its path and Host
    header as they came. Close it with close()."""

    def __init__(self, upstream_port: int) -> None:
        class Forward(BaseHTTPRequestHandler):
            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    reply = upstream.getresponse()
                    data = reply.read()
                finally:
                    upstream.close()
                self.send_response_only(reply.status)
                for key, value in reply.getheaders():
                    if key.lower() not in HOP_HEADERS | {"content-length"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, name="proxy", daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
