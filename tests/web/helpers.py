"""The web UI tests' helpers: headless Chromium, an `aim up` process (also used by the UI's benchmarks),
and a repository filled for the UI's tests (metrics with a spike, params, objects, hostile names)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from aim import Audio, Distribution, Figure, Image, Run, Text

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


@contextmanager
def served(repo: Path, *options: str) -> Iterator[str]:
    """`aim up` (see serve) on repo for the with block: its base URL; stopped afterwards."""
    proc, url = serve(repo, *options)
    try:
        yield url
    finally:
        stop(proc)


def rendered(page, what: str) -> None:
    """Wait until the page marks `what` rendered."""
    page.wait_for_selector(f"body[data-rendered={what}]")


def rerendered(page, what: str, action) -> None:
    """Do action, then wait until the page says it rendered again."""
    page.evaluate("document.body.dataset.rendered = ''")
    action()
    rendered(page, what)


def entered(page, selector: str, text: str) -> None:
    """Type text into the field at selector and press Enter, as a user does."""
    page.fill(selector, text)
    page.press(selector, "Enter")


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

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                """A stream (the live updates' events) cut when its page goes: nothing to report."""
                if not isinstance(sys.exc_info()[1], (http.client.HTTPException, OSError)):
                    super().handle_error(request, client_address)  # type: ignore[arg-type]

        self.server = Server(("127.0.0.1", 0), Forward)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, name="proxy", daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# A repository filled for the UI's tests

INJECTED = '<script>window.aimInjected = true</script><img src=x onerror="window.aimInjected = true">'
SPIKE_STEP, SPIKE = 1234, 50.0
LONG_STEPS = 5000
FIGURE_STEPS = 2  # a figure per step: a line through (0, step), (1, step + 1), (2, step + 4)
QUIET = {"system_tracking_interval": None, "capture_terminal_logs": False}  # only what a test tracks


def fill(repo: Path) -> dict[str, str]:
    """Runs tracked into repo; returns their hashes by role."""
    hashes = {}
    for i, lr in enumerate((1e-3, 1e-2)):
        with Run(repo=str(repo), experiment="mnist", **QUIET) as run:
            run.name = f"run-{i}"
            run["hparams"] = {"lr": lr, "batch": 32, "optimizer": {"name": "adam"}}
            values = np.exp(-np.arange(LONG_STEPS) / 1000.0) + lr
            values[SPIKE_STEP] = SPIKE
            for step, value in enumerate(values.tolist()):
                run.track(value, name="loss", step=step, epoch=step // 1000, context={"subset": "train"})
            for step in range(0, LONG_STEPS, 100):
                run.track(0.5 + lr, name="loss", step=step, context={"subset": "val"})
                run.track(10.0 + step / 1000, name="__system__cpu", step=step)
            hashes[f"run{i}"] = run.hash
    with Run(repo=str(repo), experiment="objects", **QUIET) as run:
        run.name = "objects"
        pixels = np.zeros((8, 8, 3), np.uint8)
        for step in range(3):
            pixels[:, :, 0] = 80 * step
            images = [Image(pixels.copy(), caption=f"red {step} {INJECTED}") for _ in range(2)]
            run.track(images, name="samples", step=step)
            run.track(Distribution(np.random.default_rng(step).normal(size=500)), name="weights", step=step)
            run.track(Text(f"generated {step} {INJECTED}"), name="outputs", step=step)
            run.track(Text(f"epoch {step} done {INJECTED}"), name="logs", step=step)  # terminal logs
            samples = np.sin(np.arange(800) * (step + 1) / 10.0)
            run.track(Audio(samples, rate=8000, caption=f"tone {step}"), name="tones", step=step)
        for step in range(FIGURE_STEPS):
            run.track(Figure(scatter(step)), name="curve", step=step)
        run.log_info(f"started {INJECTED}", lr=0.1)
        run.log_warning("loss is flat")
        run.log_error("diverged")
        hashes["objects"] = run.hash
    with Run(repo=str(repo), experiment="hostile", **QUIET) as run:
        run.name = INJECTED + "x" * 500
        run["huge"] = {f"key{i}": {"nested": "v" * 300, "n": i} for i in range(150)}
        run.track(1.0, name="loss", step=0, context={"subset": "train"})
        hashes["hostile"] = run.hash
    return hashes


def scatter(step: int) -> object:
    """A plotly figure of one line, its title naming the step."""
    import plotly.graph_objects as go

    trace = go.Scatter(x=[0, 1, 2], y=[step, step + 1, step + 4], mode="lines+markers", name=f"line {step}")
    return go.Figure(trace, layout={"title": {"text": f"curve at step {step}"}})
