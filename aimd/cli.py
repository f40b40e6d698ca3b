"""`aimd serve | start | stop | status`: arguments -> Config -> server. The only place that exits.

Exit codes: 0 done (for start: a daemon serves, this one or one already running; for status: one
serves); 1 an error, said in one line on stderr; 3 serve only: another daemon owns the repository;
4 stop and status: no daemon serves the repository; 5 start and serve: plyvel cannot be imported
(the line on stderr says what to install; the SDK does not retry it).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from aimd import __version__, settings
from aimd.config import (
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_MEMORY_LIMIT_BYTES,
    DEFAULT_QUERY_IDLE_TIMEOUT_S,
    DEFAULT_QUERY_TIMEOUT_S,
    MAX_QUERY_TIMEOUT_S,
    Config,
    MemoryLimitTooLow,
    format_bytes,
    memory_limits,
    parse_bytes,
)
from aimd.exposure import ExposureError, tcp_security
from aimd.lock import AlreadyRunning, RepoLock, is_locked, read_pid
from aimproto.contract import AIMD_EXIT_NOT_INSTALLED

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
POLL_S = 0.02

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_ALREADY_RUNNING = 3
EXIT_NOT_RUNNING = 4
EXIT_NOT_INSTALLED = AIMD_EXIT_NOT_INSTALLED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aimd", description="The daemon that owns an Aim repository.")
    parser.add_argument("--version", action="version", version=f"aimd {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("serve", "serve in the foreground"),
        ("start", "start a background daemon (no-op when one runs) and wait until it serves"),
        ("stop", "stop the daemon of a repository"),
        ("status", "say whether a daemon serves a repository"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--repo", default=".", help="directory holding .aim (default: the current one)")
        if name in ("serve", "start"):
            sub.add_argument("--tcp", metavar="HOST:PORT", help="also serve on this TCP address")
            sub.add_argument(
                "--idle-timeout",
                type=float,
                default=DEFAULT_IDLE_TIMEOUT_S,
                metavar="SECONDS",
                help="exit after this long without clients (0: never)",
            )
            sub.add_argument("--fsync", action="store_true", help="fsync every write (power-loss safe)")
            sub.add_argument(
                "--query-timeout",
                type=_positive_seconds,
                default=DEFAULT_QUERY_TIMEOUT_S,
                metavar="SECONDS",
                help="a query's evaluation time budget unless its client asks for another",
            )
            sub.add_argument(
                "--query-idle-timeout",
                type=float,
                default=DEFAULT_QUERY_IDLE_TIMEOUT_S,
                metavar="SECONDS",
                help="end a query stream whose client reads nothing for this long",
            )
            sub.add_argument(
                "--memory-limit",
                type=_size,
                default=DEFAULT_MEMORY_LIMIT_BYTES,
                metavar="SIZE",
                help=f"memory the daemon may use in all, its caches included (e.g. 512M, 2G; "
                f"default {format_bytes(DEFAULT_MEMORY_LIMIT_BYTES)})",
            )
            _add_tcp_security_arguments(sub)
            _add_settings_arguments(sub)
    return parser


def _size(text: str) -> int:
    try:
        return parse_bytes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_settings_arguments(sub: argparse.ArgumentParser) -> None:
    group = sub.add_argument_group("repository settings (saved in .aim/settings.json for later daemons)")
    group.add_argument(
        "--artifacts-uri",
        metavar="URI",
        help="default artifacts store of runs (file:///path or s3://bucket/prefix)",
    )
    group.add_argument(
        "--webhook",
        action="append",
        metavar="URL",
        help="notify URL when a run crashes, misses its progress report or finishes (repeatable; "
        "'slack+https://...' sends Slack's payload); --webhook '' clears them",
    )
    group.add_argument(
        "--blob-store",
        metavar="URI",
        help="move image, audio and figure bytes to this object store (s3://bucket/prefix or file:///path)",
    )
    group.add_argument(
        "--blobs-back",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="move blob bytes from the --blob-store back into the repository (--no-blobs-back: out again)",
    )


def _add_tcp_security_arguments(sub: argparse.ArgumentParser) -> None:
    group = sub.add_argument_group("TCP security (a token, and TLS off loopback, unless opted out)")
    group.add_argument(
        "--token-file", type=Path, metavar="FILE", help="tokens TCP clients must present (mode 0600)"
    )
    group.add_argument(
        "--tls-cert", type=Path, metavar="PEM", help="serve TCP over TLS with this certificate chain"
    )
    group.add_argument("--tls-key", type=Path, metavar="PEM", help="the private key of --tls-cert")
    group.add_argument(
        "--insecure", action="store_true", help="allow plaintext TCP on a non-loopback address"
    )
    group.add_argument(
        "--no-auth", action="store_true", help="allow TCP without a token: anyone may read and write"
    )


def _tcp_security_argv(config: Config) -> list[str]:
    """The TCP security flags of config, for the `aimd serve` that `aimd start` spawns."""
    argv: list[str] = []
    for flag, path in (
        ("--token-file", config.token_file),
        ("--tls-cert", config.tls_cert),
        ("--tls-key", config.tls_key),
    ):
        if path is not None:
            argv += [flag, str(path)]
    return argv + ["--insecure"] * config.insecure + ["--no-auth"] * config.no_auth


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= MAX_QUERY_TIMEOUT_S:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_QUERY_TIMEOUT_S:g} seconds")
    return value


def _settings(args: argparse.Namespace) -> dict:
    """The repository's settings, with those given on the command line saved first."""
    aim_dir = Config(repo=Path(args.repo)).aim_dir
    changes: dict = {}
    if args.artifacts_uri is not None:
        if args.artifacts_uri and "://" not in args.artifacts_uri:
            raise OSError(
                f"--artifacts-uri {args.artifacts_uri!r} needs a scheme: file:///path or s3://bucket"
            )
        changes["artifacts_uri"] = args.artifacts_uri
    if args.blob_store is not None:
        from aimd.storage.blob_store import check_uri

        try:
            changes["blob_store"] = check_uri(args.blob_store) if args.blob_store else ""
        except ValueError as exc:
            raise OSError(str(exc)) from None
    if args.blobs_back is not None:
        changes["blobs_back"] = args.blobs_back
    if args.webhook is not None:
        from aimd.notify import check_webhook

        try:
            changes["webhooks"] = [check_webhook(url) for url in args.webhook if url]
        except ValueError as exc:
            raise OSError(str(exc)) from None
    return settings.save(aim_dir, **changes) if changes else settings.load(aim_dir)


def _config(args: argparse.Namespace) -> Config:
    saved = _settings(args)
    return Config(
        repo=Path(args.repo),
        tcp=args.tcp,
        idle_timeout_s=args.idle_timeout,
        fsync=args.fsync,
        query_timeout_s=args.query_timeout,
        query_idle_timeout_s=args.query_idle_timeout,
        memory_limit_bytes=args.memory_limit,
        token_file=args.token_file,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        insecure=args.insecure,
        no_auth=args.no_auth,
        artifacts_uri=saved.get("artifacts_uri") or "",
        webhooks=tuple(saved.get("webhooks") or ()),
        blob_store=saved.get("blob_store") or "",
        blobs_back=bool(saved.get("blobs_back")),
    )


def serve(config: Config) -> int:
    """Take the repository's lock, then serve until told to stop. Exit codes as documented above.

    The lock is taken before the server's heavy imports: of many `aimd serve` racing for one
    repository, the losers leave at once and do not slow the winner down.
    """
    try:
        config.aim_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"aimd: cannot create {config.aim_dir}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    logging.basicConfig(
        filename=config.log_path,
        level=logging.INFO,
        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s",
    )
    try:
        memory_limits(config.memory_limit_bytes)
    except MemoryLimitTooLow as exc:
        print(f"aimd: {exc}", file=sys.stderr)
        return EXIT_ERROR
    lock = RepoLock(config.lock_path, config.pid_path)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        print(f"aimd: {exc}", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
    try:
        from aimd.server import Daemon
        from aimd.storage.blob_store import BlobStoreError
        from aimd.storage.store import EngineMissing, StoreError

        try:
            asyncio.run(Daemon(config).serve_locked())
        except (StoreError, ExposureError, BlobStoreError) as exc:  # known: one line, no traceback
            logging.getLogger("aimd").error("%s", exc)
            print(f"aimd: {exc}", file=sys.stderr)
            return EXIT_NOT_INSTALLED if isinstance(exc, EngineMissing) else EXIT_ERROR
        except Exception:
            logging.getLogger("aimd").exception("aimd failed")
            raise
    finally:
        lock.release()
    return EXIT_OK


def _serving_address(config: Config) -> str | None:
    """The address of a daemon that holds the lock and answers health checks, else None."""
    if not is_locked(config.lock_path):
        return None
    try:
        address = config.address_path.read_text().split("\n", 1)[0].strip()
    except OSError:
        return None
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
        except grpc.RpcError:
            return None
    return address if reply.status == health_pb2.HealthCheckResponse.SERVING else None


def start(config: Config) -> int:
    """Spawn `aimd serve` detached, then wait until this repo's daemon (it or a rival) serves."""
    from aimd.storage.store import EngineMissing, check_engine

    try:  # refuse here, in one line, rather than in the log of a daemon that exits
        tcp_security(config)
        check_engine()
        memory_limits(config.memory_limit_bytes)
    except (ExposureError, EngineMissing, MemoryLimitTooLow) as exc:
        print(f"aimd: {exc}", file=sys.stderr)
        return EXIT_NOT_INSTALLED if isinstance(exc, EngineMissing) else EXIT_ERROR
    if _serving_address(config) is not None:
        print(f"aimd already serves {config.repo} on {_announced(config)} (pid {read_pid(config.pid_path)})")
        return EXIT_OK
    try:
        config.aim_dir.mkdir(parents=True, exist_ok=True)
        log = open(config.log_path, "ab")
    except OSError as exc:
        print(f"aimd: cannot create {config.aim_dir}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    argv = [sys.executable, "-m", "aimd", "serve", "--repo", str(config.repo)]
    argv += ["--idle-timeout", str(config.idle_timeout_s), "--query-timeout", str(config.query_timeout_s)]
    argv += ["--query-idle-timeout", str(config.query_idle_timeout_s)]
    argv += ["--memory-limit", str(config.memory_limit_bytes)]
    if config.tcp:
        argv += ["--tcp", config.tcp]
    if config.fsync:
        argv.append("--fsync")
    argv += _tcp_security_argv(config)
    with log:
        child = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if _serving_address(config) is not None:
            print(f"aimd serves {config.repo} on {_announced(config)} (pid {read_pid(config.pid_path)})")
            return EXIT_OK
        code = child.poll()
        if code is not None and code != EXIT_ALREADY_RUNNING:
            reason = _last_log_line(config)
            print(
                f"aimd: the daemon exited with code {code}{f' ({reason})' if reason else ''}; "
                f"see {config.log_path}",
                file=sys.stderr,
            )
            return EXIT_ERROR
        time.sleep(POLL_S)
    print(f"aimd: no daemon served within {START_TIMEOUT_S:.0f} s; see {config.log_path}", file=sys.stderr)
    return EXIT_ERROR


def _last_log_line(config: Config) -> str:
    """The last line of the daemon's log (what a daemon that failed to start said last)."""
    try:
        with open(config.log_path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 4096))
            lines = f.read().decode(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""


def stop(config: Config) -> int:
    pid = read_pid(config.pid_path)
    if pid is None or not is_locked(config.lock_path):
        print(f"aimd: no daemon serves {config.repo}")
        return EXIT_NOT_RUNNING
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while is_locked(config.lock_path):
        if time.monotonic() > deadline:
            print(f"aimd: pid {pid} did not stop within {STOP_TIMEOUT_S:.0f} s", file=sys.stderr)
            return EXIT_ERROR
        time.sleep(POLL_S)
    print(f"aimd: stopped pid {pid}")
    return EXIT_OK


def _announced(config: Config) -> str:
    """Every address the daemon announced (unix socket, then TCP), for people to read."""
    try:
        return " and ".join(config.address_path.read_text().split())
    except OSError:
        return "?"


def status(config: Config) -> int:
    address = _serving_address(config)
    if address is None:
        print(f"aimd: no daemon serves {config.repo}")
        return EXIT_NOT_RUNNING
    print(f"aimd serves {config.repo} on {_announced(config)} (pid {read_pid(config.pid_path)})")
    from aimd.service.stats import describe, fetch

    stats = fetch(address)
    if stats is not None:
        print(describe(stats))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(_config(args))
        config = Config(repo=Path(args.repo), tcp=getattr(args, "tcp", None))
        if args.command == "start":
            return start(_config(args))
        if args.command == "stop":
            return stop(config)
        return status(config)
    except OSError as exc:  # an unreadable or unwritable repository: one line, no traceback
        print(f"aimd: {exc}", file=sys.stderr)
        return EXIT_ERROR
