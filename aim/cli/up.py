"""`aim up`: serve the web UI of a repository (its daemon is started when none runs)."""

from __future__ import annotations

import argparse
import socket
import sys

from aimproto.contract import is_loopback_host

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 43800
UI_MODULES = ("starlette", "uvicorn", "plotly", "orjson")
HELP = "serve the web UI of --repo on --host:--port (needs the ui extra)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")


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
    return bool(infos) and all(is_loopback_host(info[4][0]) for info in infos)


def up(args: argparse.Namespace) -> int:
    missing = missing_ui_modules()
    if missing:
        print(
            f"aim up: the web UI needs {', '.join(missing)}: pip install 'aim-tracker[ui]'", file=sys.stderr
        )
        return 1
    if not is_loopback(args.host):
        print(
            f"aim up: warning: serving on {args.host}, which other machines may reach; the UI has no "
            "authentication: anyone who reaches it can read, tag, archive and delete runs",
            file=sys.stderr,
        )
    import uvicorn

    from aim import Repo
    from aim.web.app import create_app

    repo = Repo(args.repo)
    app = create_app(repo)
    print(f"aim up: serving {repo.path} on http://{args.host}:{args.port}/ (Ctrl+C stops)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


up.add_arguments = add_arguments  # type: ignore[attr-defined]


def configure(parser: argparse.ArgumentParser) -> None:
    """The `aim up` parser (aim.cli.main's command table)."""
    parser.add_argument("--repo", default=".", help="the repository folder (default: the current one)")
    add_arguments(parser)
    parser.set_defaults(handler=up)
