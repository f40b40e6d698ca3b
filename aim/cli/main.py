"""`aim` entry point: the subcommand table, exit codes, and error printing."""

from __future__ import annotations

import argparse
import sys

from aim.cli import up
from aim.errors import AimError

EXIT_OK = 0
EXIT_ERROR = 1


def _init(args: argparse.Namespace) -> int:
    from aim._discovery import init_repo

    path, created = init_repo(args.repo)
    if created:
        print(f"Initialized a new Aim repository at {path}")
    else:
        print(f"An Aim repository already exists at {path}")
    return EXIT_OK


COMMANDS = {
    "init": (_init, "create a repository (a .aim folder) in --repo, default the current folder"),
    "up": (up.up, up.HELP),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aim", description="Aim-compatible experiment tracking.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (handler, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--repo", default=".", help="the folder to hold .aim (default: the current one)")
        getattr(handler, "add_arguments", lambda _: None)(sub)  # a command's own options
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command][0](args)
    except AimError as exc:
        print(f"aim: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
