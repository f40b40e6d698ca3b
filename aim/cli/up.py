"""`aim up`: serve the web UI of a repository (its daemon is started when none runs).

The options are Aim's (`-h/--host`, `-p/--port`, `--uds`, `--ssl-keyfile`/`--ssl-certfile`,
`--base-path`, `--read-only`, `--log-level`, `-y`), plus an access token (`--token-file` or
$AIM_UI_TOKEN) and the host names it answers to besides its own (`--allowed-host`,
$AIM_UI_ALLOWED_HOSTS). It binds its address before it says where it serves: a busy port is one
line and exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import socket
import stat
import sys
from pathlib import Path

from aim.cli._common import confirm
from aimproto.contract import is_loopback_host

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 43800
UI_MODULES = ("starlette", "uvicorn", "plotly", "orjson")
TOKEN_ENV = "AIM_UI_TOKEN"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
PARSER_OPTIONS = {"add_help": False}  # -h is --host, as in Aim's `aim up`; --help stays


def configure(parser: argparse.ArgumentParser) -> None:
    """The `aim up` parser (aim.cli.main's command table)."""
    parser.add_argument("--help", action="help", help="show this help message and exit")
    parser.add_argument("--repo", default=".", help="the repository folder (default: the current one)")
    parser.add_argument("-h", "--host", default=DEFAULT_HOST, help=f"the address (default {DEFAULT_HOST})")
    parser.add_argument("-p", "--port", type=int, default=DEFAULT_PORT, help=f"(default {DEFAULT_PORT})")
    parser.add_argument("--uds", metavar="FILE", help="serve on this unix socket instead of host:port")
    parser.add_argument("--ssl-keyfile", metavar="FILE", help="serve HTTPS with this private key (PEM)")
    parser.add_argument("--ssl-certfile", metavar="FILE", help="... and this certificate (PEM)")
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        help=f"a file (only its owner may read it) holding the token every request must present "
        f"(or ${TOKEN_ENV}); the UI is then opened as http://HOST:PORT/?token=TOKEN",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name (NAME or NAME:PORT) the UI answers to besides localhost, 127.0.0.1, [::1] and "
        "the address it serves on: a reverse proxy's, another name of this machine; repeatable "
        "(and $AIM_UI_ALLOWED_HOSTS, comma-separated)",
    )
    parser.add_argument(
        "--base-path",
        default="",
        metavar="PREFIX",
        help="serve every page, asset and API under this path (e.g. /aim), for a reverse proxy that "
        "passes the prefix on",
    )
    parser.add_argument("--read-only", action="store_true", help="refuse to archive, tag or delete runs")
    parser.add_argument("--log-level", default="warning", choices=LOG_LEVELS, help="(default warning)")
    parser.add_argument("-y", "--yes", action="store_true", help="create the repository if there is none")
    parser.set_defaults(handler=up)


def missing_ui_modules() -> list[str]:
    """The UI dependencies that cannot be imported here."""
    import importlib.util

    return [name for name in UI_MODULES if importlib.util.find_spec(name) is None]


def is_loopback(host: str) -> bool:
    """Whether host names only this machine (a name is resolved; one that does not resolve is not)."""
    if is_loopback_host(host):
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(is_loopback_host(str(info[4][0])) for info in infos)


def read_token(token_file: str | None) -> str | None:
    """The UI's token: the first line of token_file that is not blank or a # comment, else
    $AIM_UI_TOKEN, else None. ValueError for a file others may read, or one without a token."""
    if token_file is None:
        return os.environ.get(TOKEN_ENV) or None
    path = Path(token_file)
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise ValueError(f"{path} may be read by others: chmod 600 it")
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise ValueError(f"cannot read the token file {path}: {exc.strerror}") from None
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()
    raise ValueError(f"{path} holds no token")


def bind(host: str, port: int, uds: str | None) -> socket.socket:
    """A listening socket on host:port (or the unix socket uds); OSError when it cannot be had."""
    if uds is not None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(uds)
            os.chmod(uds, 0o666)  # as uvicorn does: the proxy in front, another user, connects
        except OSError:
            sock.close()
            raise
    else:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
    sock.listen(2048)  # connections wait in the queue until the server takes them
    return sock


def _bind_error(args: argparse.Namespace, exc: OSError) -> str:
    where = args.uds if args.uds else f"{args.host}:{args.port}"
    if exc.errno == errno.EADDRINUSE:
        if args.uds:
            hint = "another server's socket, or a stale one to remove"
            return f"aim up: cannot serve on {where}: the file exists ({hint})"
        hint = "stop it, or give another port with -p"
        return f"aim up: cannot serve on {where}: it is in use by another process ({hint})"
    return f"aim up: cannot serve on {where}: {exc.strerror or exc}"


def _open_repo(path: str, yes: bool):  # -> Repo | None
    from aim._model import discovery as _discovery
    from aim._model.repo import Repo

    folder = _discovery.resolve(path)
    if folder.startswith(_discovery.REMOTE_SCHEME) or Repo.exists(folder):
        return Repo(folder)
    if not confirm(f"{folder!r} is not an Aim repository. Initialize one there?", yes):
        print("aim up: no repository: create one with `aim init` (or answer y, or give -y)", file=sys.stderr)
        return None
    _discovery.init_repo(folder)
    return Repo(folder)


def up(args: argparse.Namespace) -> int:
    missing = missing_ui_modules()
    if missing:
        print(
            f"aim up: the web UI needs {', '.join(missing)}: pip install 'aim-tracker[ui]'", file=sys.stderr
        )
        return 1
    try:
        token = read_token(args.token_file)
        if token is not None:
            from aim.web.access import check_token

            token = check_token(token)
    except ValueError as exc:
        print(f"aim up: {exc}", file=sys.stderr)
        return 1
    if bool(args.ssl_keyfile) != bool(args.ssl_certfile):
        print("aim up: HTTPS needs both --ssl-keyfile and --ssl-certfile", file=sys.stderr)
        return 1
    from aim.web.access import allowed_hosts
    from aim.web.prefix import normalize

    try:
        hosts, base_path = allowed_hosts(args.allowed_host), normalize(args.base_path)
    except ValueError as exc:
        print(f"aim up: {exc}", file=sys.stderr)
        return 1
    try:
        sock = bind(args.host, args.port, args.uds)
    except OSError as exc:
        print(_bind_error(args, exc), file=sys.stderr)
        return 1
    with sock:
        return _serve(args, sock, token, hosts, base_path)


def _serve(
    args: argparse.Namespace, sock: socket.socket, token: str | None, hosts: list[str], base_path: str
) -> int:
    if args.uds is None and not is_loopback(args.host):
        if token is None:
            print(
                f"aim up: warning: serving on {args.host}, which other machines may reach, without a "
                "token: there is no authentication, anyone who reaches it can read, tag, archive and "
                f"delete runs (give --token-file or ${TOKEN_ENV})",
                file=sys.stderr,
            )
        elif not args.ssl_certfile:
            print(
                f"aim up: warning: serving on {args.host} over plain HTTP: the token and the data cross "
                "the network unencrypted (give --ssl-keyfile and --ssl-certfile)",
                file=sys.stderr,
            )
    from aim._model import discovery as _discovery

    folder = _discovery.resolve(args.repo)  # before Repo(), which may start its daemon
    started_daemon = not folder.startswith(_discovery.REMOTE_SCHEME) and not _discovery.daemon_serves(folder)
    repo = _open_repo(args.repo, args.yes)
    if repo is None:
        return 1
    import uvicorn

    from aim.web.app import create_app

    app = create_app(repo, token=token, read_only=args.read_only, hosts=hosts, base_path=base_path)
    scheme = "https" if args.ssl_certfile else "http"
    if args.uds:
        where = f"unix socket {args.uds} (under {base_path}/)" if base_path else f"unix socket {args.uds}"
    else:
        host = f"[{args.host}]" if ":" in args.host else args.host
        where = f"{scheme}://{host}:{sock.getsockname()[1]}{base_path}/"
    config = uvicorn.Config(
        app, ssl_keyfile=args.ssl_keyfile, ssl_certfile=args.ssl_certfile, log_level=args.log_level
    )
    print(f"aim up: serving {repo.path} on {where} (Ctrl+C stops)", flush=True)
    # uvicorn raises the signal that stopped it again once it is done: SIGTERM then exits through
    # SystemExit, like Ctrl+C through KeyboardInterrupt, so that what follows runs either way
    signal.signal(signal.SIGTERM, _exit_on_term)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if args.uds:
            with contextlib.suppress(OSError):
                os.remove(args.uds)  # as uvicorn.run does: the next start finds it free
        if started_daemon:
            _stop_daemon_if_unused(repo)
    return 0


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _stop_daemon_if_unused(repo) -> None:  # repo: Repo
    """Stop the daemon this `aim up` started, unless a run is being tracked into (other readers
    start it again when they next ask)."""
    from aim._model import discovery as _discovery

    try:
        if any(run.active for run in repo.iter_runs()):
            print("aim up: the repository's daemon keeps serving the runs being tracked", file=sys.stderr)
            return
        _discovery.stop_daemon(repo.path)
    except Exception as exc:  # exiting anyway: the daemon's idle timeout stops it later
        print(f"aim up: left the repository's daemon running: {exc}", file=sys.stderr)
