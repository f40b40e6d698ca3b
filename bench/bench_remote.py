"""Remote tracking benchmark: throughput over loopback TCP with TLS and a token vs plaintext.

For 1 and N (default 4) client processes, each tracking into its own run of one fresh
repository through `aim://127.0.0.1:PORT`, the aggregate rate of acknowledged points (the clock
starts before the first track() and stops when the last run.close() returns, i.e. every point is
durable in the daemon's LevelDB store), twice: against a daemon serving plaintext TCP without
authentication (--no-auth), and against one serving TLS (a self-signed certificate made with the
openssl CLI) with a token file, the client verifying the certificate (AIM_TLS_CA) and sending
the token. The workload is bench_tracking's (10 metrics x 2 contexts per process). The ratio
TLS+token / plaintext is the cost of securing the port.

    python bench/bench_remote.py                    # the defaults (see --help)
    python bench/bench_remote.py --points 200000 --processes 2 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench_tracking import SERIES, loss_curve, track_points
from harness import BARRIER_TIMEOUT_S, Repos, machine, run_workers, stop_daemon

MODES = ("plaintext", "TLS+token")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) for localhost and 127.0.0.1, and its key."""
    cert, key = folder / "server.pem", folder / "server.key"
    argv = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    argv += ["-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"]
    argv += ["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
    try:
        subprocess.run(argv, check=True, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise RuntimeError("this benchmark needs the openssl command to make a TLS certificate") from None
    return cert, key


def start_daemon(repo: Path, flags: list[str]) -> int:
    """`aimd start` for repo on 127.0.0.1 (a free port) with flags; the port it serves."""
    argv = [sys.executable, "-m", "aimd", "start", "--repo", str(repo), "--tcp", "127.0.0.1:0", *flags]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"aimd start failed: {done.stderr.strip()}")
    return int((repo / ".aim" / "aimd.addr").read_text().split()[1].rsplit(":", 1)[1])


def remote_worker(
    url: str, ca_file: str | None, points: int, warmup: int, barrier: Any, results: Any, seed: int
) -> None:
    """Track `points` points into a new run at url (after a warm-up run); report start and end."""
    try:
        if ca_file:
            os.environ["AIM_TLS_CA"] = ca_file
        from aim import Run

        steps = points // SERIES
        values = loss_curve(max(steps, 1), seed)
        if warmup >= SERIES:
            with Run(repo=url, experiment="bench-warmup") as warm:
                track_points(warm.track, 0, warmup // SERIES, values)
        run = Run(repo=url, experiment="bench-remote")
        barrier.wait(BARRIER_TIMEOUT_S)
        start = time.monotonic_ns()  # CLOCK_MONOTONIC: comparable between processes on Linux
        tracked = track_points(run.track, 0, steps, values)
        run.close()
        results.put({"ok": True, "points": tracked, "start_ns": start, "end_ns": time.monotonic_ns()})
    except BaseException:
        barrier.abort()
        results.put({"ok": False, "error": traceback.format_exc()})


def measure(
    repos: Repos, mode: str, processes: int, points: int, warmup: int, tls: tuple[Path, Path]
) -> float:
    """Aggregate acknowledged points/s of `processes` clients against a fresh daemon in mode."""
    repo = repos.new(f"{mode.replace('+', '-')}-{processes}-{len(repos.made)}")
    if mode == "plaintext":
        flags, ca_file, token = ["--no-auth"], None, None
    else:
        token = secrets.token_urlsafe(32)
        tokens = repo.parent / f"{repo.name}.tokens"
        tokens.touch(mode=0o600)
        tokens.write_text(token + "\n")
        flags = ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1]), "--token-file", str(tokens)]
        ca_file = str(tls[0])
    port = start_daemon(repo, flags)
    url = f"aim://{token}@127.0.0.1:{port}" if token else f"aim://127.0.0.1:{port}"
    try:
        reports = run_workers(
            remote_worker,
            lambda barrier, results: (url, ca_file, points, warmup, barrier, results, 0),
            processes,
        )
    finally:
        stop_daemon(repo)
    total = sum(r["points"] for r in reports)
    seconds = (max(r["end_ns"] for r in reports) - min(r["start_ns"] for r in reports)) / 1e9
    return total / seconds


def render(rates: dict[tuple[str, int], list[float]], args: argparse.Namespace, command: str) -> str:
    lines = [
        "remote tracking over loopback TCP: acknowledged points/s (aggregate; median of "
        f"{args.repeat} round{'s' if args.repeat > 1 else ''})",
        f"machine: {machine()}",
        f"command: {command}",
        "",
        f"{'clients':>7}  {'points':>10}  {'plaintext':>12}  {'TLS+token':>12}  {'ratio':>7}",
    ]
    for processes in sorted({p for _, p in rates}):
        plain = statistics.median(rates.get(("plaintext", processes), [float("nan")]))
        secure = statistics.median(rates.get(("TLS+token", processes), [float("nan")]))
        points = args.points if processes == 1 else args.points_per_process * processes
        lines.append(
            f"{processes:>7}  {points:>10,}  {plain:>12,.0f}  {secure:>12,.0f}  {secure / plain:>7.2f}"
        )
    lines.append("ratio: TLS+token / plaintext (1.00: securing the port costs nothing)")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--points", type=int, default=500_000, help="points tracked by the 1-client case")
    parser.add_argument("--processes", type=int, default=4, help="clients of the multi-client case (0: skip)")
    parser.add_argument(
        "--points-per-process", type=int, default=250_000, help="points tracked by each client of that case"
    )
    parser.add_argument(
        "--warmup", type=int, default=20_000, help="untimed points per client, into another run"
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every measurement (median reported)")
    parser.add_argument("--repo-dir", default="/tmp", help="folder to make the temporary repositories in")
    parser.add_argument(
        "--keep", action="store_true", help="keep the repositories (daemons are still stopped)"
    )
    args = parser.parse_args(argv)
    if min(args.points, args.points_per_process) < SERIES or args.repeat < 1:
        parser.error(f"points must be at least {SERIES} (one step of every series), --repeat at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = shlex.join([sys.executable, *sys.argv]) if argv is None else shlex.join(["bench_remote", *argv])
    repos = Repos(args.repo_dir, args.keep)
    rates: dict[tuple[str, int], list[float]] = {}
    cases = [(1, args.points)] + ([(args.processes, args.points_per_process)] if args.processes > 0 else [])
    try:
        tls = make_certificate(repos.root)
        for _ in range(args.repeat):
            for processes, points in cases:
                for mode in MODES:  # interleaved, so that drift of the machine hits both alike
                    rate = measure(repos, mode, processes, points, args.warmup, tls)
                    rates.setdefault((mode, processes), []).append(rate)
    except Exception as exc:
        print(render(rates, args, command))
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        repos.stop()
    print(render(rates, args, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
