"""Aim 3.29.1's own UI on the explorers' data, for bench_ui.py's ratio: the same runs tracked
with Aim's SDK (in the Python environment at a prefix, never ours), `aim up`, and the metrics
explorer opened at an address that holds the same view (grouped by hparams.lr in colour and by
metric name in charts, mean line, std-dev band), timed to its first aggregated area drawn.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

# the explorers' runs (as bench_ui.populate_group_runs tracks them), through Aim's SDK
POPULATE = """
import sys
import numpy as np
from aim import Run

repo, lrs = sys.argv[1], [float(lr) for lr in sys.argv[5].split(",")]
first, count, steps = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for i in range(first, first + count):
    rng = np.random.default_rng(i)
    run = Run(repo=repo, experiment="sweep", system_tracking_interval=None, capture_terminal_logs=False)
    run["hparams"] = {"lr": lrs[i % len(lrs)], "seed": i}
    for m in range(4):
        for step, value in enumerate(np.cumsum(rng.normal(size=steps)).tolist()):
            run.track(value, name=f"metric_{m}", step=step)
    run.close()
"""

# Aim's explorer reads its state from the address: each part JSON, as its aim64encode writes it
GROUPING = {"color": ["run.params.hparams.lr"], "chart": ["name"]}
CHART = {"aggregationConfig": {"methods": {"area": 2, "line": 0}, "isApplied": True, "isEnabled": True}}
SELECT = {"options": [], "query": "", "advancedMode": True, "advancedQuery": 'run.experiment == "sweep"'}
DRAWN = "() => document.querySelector('path.AggrArea[d]') ? performance.now() : false"


def aim64(value: dict) -> str:
    """Aim's address encoding of a state: base64url (no padding) of its encodeURI'd JSON, after "O-"."""
    quoted = urllib.parse.quote(json.dumps(value, separators=(",", ":")), safe=";,/?:@&=+$-_.!~*'()#")
    return "O-" + base64.urlsafe_b64encode(quoted.encode()).decode().rstrip("=")


def view(url: str) -> str:
    parts = {"grouping": aim64(GROUPING), "chart": aim64(CHART), "select": aim64(SELECT)}
    return f"{url}/metrics?{urllib.parse.urlencode(parts)}"


def _env() -> dict[str, str]:
    """Aim's processes run in its repository's folder without PYTHONPATH: our `aim` package must
    not shadow theirs (Aim's database migrations run `python -m alembic`, which imports `aim`)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def populate(prefix: Path, repo: Path, runs: int, steps: int, processes: int, lrs: list[float]) -> None:
    init = [str(prefix / "bin" / "aim"), "init", "--repo", str(repo)]
    done = subprocess.run(init, capture_output=True, text=True, cwd=repo, env=_env())
    if done.returncode:
        raise RuntimeError(f"aim init failed: {done.stderr[-2000:]}")
    share = -(-runs // processes)
    workers = [
        subprocess.Popen(
            [str(prefix / "bin" / "python"), "-c", POPULATE, str(repo), str(first)]
            + [str(min(share, runs - first)), str(steps), ",".join(map(repr, lrs))],
            cwd=repo,
            env=_env(),
        )
        for first in range(0, runs, share)
    ]
    for worker in workers:
        if worker.wait() != 0:
            raise RuntimeError(f"Aim's tracking exited with {worker.returncode}")


def serve(prefix: Path, repo: Path, timeout: float = 120) -> tuple[subprocess.Popen, str]:
    """`aim up` on a free loopback port, once it answers: (the process, its base URL)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [
        str(prefix / "bin" / "aim"),
        "up",
        "--repo",
        str(repo),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=repo, env=_env())
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", "/")
                conn.getresponse().read()
                return proc, f"http://127.0.0.1:{port}"
            finally:
                conn.close()
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"aim up did not answer (exit {proc.poll()})") from None
            time.sleep(0.2)  # polling a server's start until a deadline


def first_drawn(context, url: str) -> float:
    """Seconds from navigation to Aim's first aggregated area drawn, in a new page of context."""
    page = context.new_page()
    page.set_default_timeout(300_000)
    try:
        page.goto(url)
        return page.wait_for_function(DRAWN, polling="raf").json_value() / 1000
    finally:
        page.close()
